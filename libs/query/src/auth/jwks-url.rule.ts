import { registerDecorator, type ValidationArguments } from 'class-validator';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The identity provider's keys decide who may read every audit log, so they travel over https:
 * over plain http anyone on the path could hand the API their own keys. Plain http is accepted to
 * the loopback interface (a local provider, tests), or when `allowHttp` names a boolean property
 * that is true (a provider reached through a trusted internal hop).
 */
export function IsSecureJwksUrl(allowHttp: string): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isSecureJwksUrl',
      target: target.constructor,
      propertyName: String(property),
      constraints: [allowHttp],
      options: {
        message: ({ property: name, constraints: [flag] }: ValidationArguments) =>
          `${name} must use https (plain http only to localhost, 127.0.0.1 or [::1], or with ${flag}=true)`,
      },
      validator: {
        validate: (value: unknown, { object, constraints: [flag] }: ValidationArguments) => {
          if (typeof value !== 'string') return true;
          let url: URL;
          try {
            url = new URL(value);
          } catch {
            return true;
          }
          return url.protocol === 'https:' || (url.protocol === 'http:' && (LOOPBACK.has(url.hostname) || (object as Record<string, unknown>)[flag] === true));
        },
      },
    });
}
