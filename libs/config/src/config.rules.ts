import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * A number variable that must not exceed another of the same class (a per-tenant limit and the
 * global one): checked at boot with the others, naming both variables.
 */
export function AtMost(other: string): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'atMost',
      target: target.constructor,
      propertyName: String(property),
      constraints: [other],
      options: { message: ({ property: name, constraints: [bound] }: ValidationArguments) => `${name} must not exceed ${bound}` },
      validator: {
        validate: (value: unknown, { object, constraints: [bound] }: ValidationArguments) => {
          const limit = (object as Record<string, unknown>)[bound as string];
          return typeof value !== 'number' || typeof limit !== 'number' || value <= limit;
        },
      },
    });
}
