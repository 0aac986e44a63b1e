import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, ValidationError, validateSync } from 'class-validator';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message} (got ${JSON.stringify(error.value)})`),
  );
}

/**
 * Reads one configuration class from environment variables, validated once at boot: a bad value
 * stops the process with a message naming the variable, instead of failing later at first use.
 * Property names are the variable names; defaults are the class's initialisers. Annotate each
 * property with its type (`LIMIT: number = 5`): the conversion reads the emitted type metadata.
 */
export function loadConfig<T extends object>(type: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(type, defined, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigValidationError(describe(errors));
  return config;
}

/**
 * A boolean variable: `true`/`1`/`yes` or `false`/`0`/`no`. Implicit conversion alone would read
 * the string "false" as true; anything else is left as is and fails validation, naming the variable.
 */
export function EnvBoolean(): PropertyDecorator {
  const words: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };
  const parse = Transform(({ key, obj, value }) => {
    const raw = (obj as Record<string, unknown>)[key];
    return typeof raw === 'string' ? (words[raw.trim().toLowerCase()] ?? raw) : value;
  });
  return (target, property) => {
    parse(target, property);
    IsBoolean()(target, property);
  };
}
