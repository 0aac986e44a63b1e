import { IsIn } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ObservabilityConfig {
  /** pino level of the JSON logs; `debug` adds detail that may name tenants and offsets per batch. */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';
}
