import { ClickHouseConfig, createClickHouseClient, runMigrations } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { parseCommandArgs } from '../cli.args';
import type { CliCommand, CliIo } from '../cli.io';

const HELP = `Usage: audit migrate

Applies the ClickHouse migrations (infra/clickhouse/migrations) that are not applied yet, in order,
and prints what it did. Running it again is a no-op; a migration changed after it was applied is an
error. The apps also migrate at boot; this command is for deploying the schema ahead of them.

Environment:
  CLICKHOUSE_URL        http(s)://user:password@host:8123 of a server; unset: the embedded engine
  CLICKHOUSE_DATA_PATH  embedded data directory (default .data/clickhouse); stop \`npm start\` first,
                        the embedded engine allows one process per directory
  CLICKHOUSE_DATABASE, CLICKHOUSE_TOPOLOGY, CLICKHOUSE_CLUSTER, AUDIT_RETENTION_DAYS

Options:
  -h, --help   show this help
`;

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'apply the ClickHouse migrations',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {});
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const config = loadConfig(ClickHouseConfig, io.env);
    const handle = createClickHouseClient({ url: config.CLICKHOUSE_URL, dataPath: config.CLICKHOUSE_DATA_PATH });
    try {
      const report = await runMigrations(handle.client, {
        database: config.CLICKHOUSE_DATABASE,
        retentionDays: config.AUDIT_RETENTION_DAYS,
        topology: config.CLICKHOUSE_TOPOLOGY,
        cluster: config.CLICKHOUSE_CLUSTER,
      });
      for (const name of report.applied) io.stdout.write(`applied  ${name}\n`);
      io.stdout.write(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied, database ${config.CLICKHOUSE_DATABASE} at ${handle.location}\n`);
      return 0;
    } finally {
      await handle.client.close();
    }
  },
};
