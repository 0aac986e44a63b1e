import { createClickHouseClient } from '@audit/clickhouse';
import { buildIngestor, spawnIngestor, uniqueName, type IngestorProcess, type TestClickHouse } from '@audit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type StoredDatabase = Pick<TestClickHouse, 'handle' | 'database'>;

/**
 * The standalone ingestor (dist/apps/ingestor) of a fault run: one process at a time, started,
 * killed and started again as the scenario wants, all writing to one embedded ClickHouse
 * directory of the run's own.
 */
export class StandaloneIngestor {
  private readonly dataPath = mkdtempSync(join(tmpdir(), 'audit-standalone-'));
  private readonly database = uniqueName('audit_standalone');
  private readonly env: Record<string, string>;
  private current: IngestorProcess | undefined;

  /** `ingestEnv`: the run's Kafka and ingest settings; the ClickHouse ones are added here. */
  constructor(ingestEnv: Record<string, string>, { build = true }: { build?: boolean } = {}) {
    this.env = { ...ingestEnv, CLICKHOUSE_DATA_PATH: this.dataPath, CLICKHOUSE_DATABASE: this.database };
    if (build) buildIngestor();
  }

  /** Starts a process; the previous one must have been stopped. */
  start(): IngestorProcess {
    this.current = spawnIngestor(this.env);
    return this.current;
  }

  /** Throws, with the process's last output, when the current ingestor has exited by itself. */
  checkAlive(): void {
    if (this.current && this.current.child.exitCode !== null) throw new Error(`the ingestor exited by itself:\n${this.current.output.join('\n')}`);
  }

  /** The current process's last lines, for a stalled run's error message. */
  lastOutput(lines = 40): string[] {
    return this.current?.output.slice(-lines) ?? [];
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    this.current?.child.kill(signal);
    await this.current?.exited;
  }

  /**
   * Stops the process (SIGTERM), then reads what it stored: only once it has released the
   * engine's directory may this process open it.
   */
  async readStored<T>(read: (clickhouse: StoredDatabase) => Promise<T>): Promise<T> {
    await this.stop('SIGTERM');
    const handle = createClickHouseClient({ dataPath: this.dataPath });
    try {
      return await read({ handle, database: this.database });
    } finally {
      await handle.client.close();
    }
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dataPath, { recursive: true, force: true });
  }
}
