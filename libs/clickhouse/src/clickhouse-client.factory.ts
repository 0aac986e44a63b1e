import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { createChdbConnection as CreateChdbConnection } from 'chdb/connection';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export type ClickHouseMode = 'server' | 'embedded';

export interface ClickHouseHandle {
  client: ClickHouseClient;
  mode: ClickHouseMode;
  /** The embedded engine's native escape hatches (streaming reads, raw inserts); server: undefined. */
  chdb?: ReturnType<typeof CreateChdbConnection>['chdb'];
  /** Where the data lives: the server URL without credentials, or the embedded data directory. */
  location: string;
}

export interface ClickHouseClientOptions {
  url?: string;
  dataPath: string;
  database?: string;
  requestTimeoutMs?: number;
}

/**
 * One `@clickhouse/client` for both deployments, so every query and insert runs through the same
 * code: a ClickHouse server when `url` is set, else chDB (ClickHouse's engine in-process) at
 * `dataPath`. chDB locks its directory to one process; the all-in-one runtime shares one handle.
 */
export function createClickHouseClient(options: ClickHouseClientOptions): ClickHouseHandle {
  if (options.url) {
    const url = new URL(options.url);
    const client = createClient({
      url: options.url,
      database: options.database,
      request_timeout: options.requestTimeoutMs ?? 60_000,
      clickhouse_settings: { date_time_output_format: 'iso' },
    });
    url.username = '';
    url.password = '';
    return { client, mode: 'server', location: url.toString() };
  }
  const path = resolve(options.dataPath);
  mkdirSync(path, { recursive: true });
  // Loaded only here: server deployments may install without the engine's 540 MB native library.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createChdbConnection } = require('chdb/connection') as { createChdbConnection: typeof CreateChdbConnection };
  const connection = createChdbConnection({ path });
  // chdb's connection is typed against @clickhouse/client-common, which @clickhouse/client 1.23
  // no longer depends on; the runtime contract is the same, so one cast bridges the two types.
  const client = createClient({ connection } as unknown as Parameters<typeof createClient>[0]);
  return { client, mode: 'embedded', chdb: connection.chdb, location: path };
}
