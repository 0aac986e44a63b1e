import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli.io';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `parseArgs` in strict mode with `--help`/`-h` on every command; unknown flags are usage errors. */
export function parseCommandArgs<T extends Options>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return number;
}
