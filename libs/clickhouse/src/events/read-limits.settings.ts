/** Guards applied to every read: a runaway query is stopped by ClickHouse, not by luck. */
export interface ReadLimits {
  maxExecutionTimeSeconds: number;
  maxMemoryUsageBytes: number;
  maxResultRows: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxExecutionTimeSeconds: 30, maxMemoryUsageBytes: 2_000_000_000, maxResultRows: 100_000 };

/**
 * The {@link ReadLimits} as a SETTINGS clause for a read query, not `clickhouse_settings`: the
 * embedded connection turns the latter into session-wide SET statements that would outlive the
 * query and bind every later one (the ingestor's inserts included). The values are validated
 * integers from configuration.
 */
export function readSettingsClause(limits: ReadLimits): string {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`read limit ${name} must be a positive integer, got ${value}`);
  }
  return `SETTINGS max_execution_time = ${limits.maxExecutionTimeSeconds}, max_memory_usage = ${limits.maxMemoryUsageBytes},
      max_result_rows = ${limits.maxResultRows}, result_overflow_mode = 'throw'`;
}
