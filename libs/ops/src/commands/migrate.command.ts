import { ClickHouseConfig, createClickHouseClient, LeastPrivilegeConfig, provisionLeastPrivilegeUsers, runMigrations, type LeastPrivilegeOptions } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { parseCommandArgs } from '../cli.args';
import { UsageError, type CliCommand, type CliIo } from '../cli.io';

const HELP = `Usage: audit migrate

Applies the ClickHouse migrations (infra/clickhouse/migrations) that are not applied yet, in order,
and prints what it did. Running it again is a no-op; a migration changed after it was applied is an
error. The apps also migrate at boot; this command is for deploying the schema ahead of them.

Environment:
  CLICKHOUSE_URL        http(s)://user:password@host:8123 of a server; unset: the embedded engine
  CLICKHOUSE_DATA_PATH  embedded data directory (default .data/clickhouse); stop \`npm start\` first,
                        the embedded engine allows one process per directory
  CLICKHOUSE_DATABASE, CLICKHOUSE_TOPOLOGY, CLICKHOUSE_CLUSTER, AUDIT_RETENTION_DAYS

Least-privilege users (server only; run this command with an administrator's CLICKHOUSE_URL):
  CLICKHOUSE_INGESTOR_PASSWORD  creates/updates user CLICKHOUSE_INGESTOR_USER (default audit_ingestor):
                                INSERT on audit_events and the chain tables, SELECT on the chain tables
  CLICKHOUSE_QUERY_PASSWORD     creates/updates user CLICKHOUSE_QUERY_USER (default audit_query_api):
                                SELECT only
  Set both or neither (at least 16 characters each). Nobody gets ALTER, DELETE, TRUNCATE or DROP.

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
    const users = leastPrivilegeOptions(config, loadConfig(LeastPrivilegeConfig, io.env));
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
      if (handle.mode === 'embedded') {
        if (users) io.stdout.write('least-privilege users skipped: the embedded engine has no users (it lives inside the one process that owns its data)\n');
      } else if (users) {
        await provisionLeastPrivilegeUsers(handle.client, users);
        io.stdout.write(`least-privilege users ready: ${users.ingestor.user} (INSERT + chain resume reads), ${users.queryApi.user} (SELECT only)\n`);
      } else {
        io.stdout.write('least-privilege users not created: set CLICKHOUSE_INGESTOR_PASSWORD and CLICKHOUSE_QUERY_PASSWORD to create them\n');
      }
      return 0;
    } finally {
      await handle.client.close();
    }
  },
};

/** The service accounts to create, when both passwords are configured; one without the other is a mistake. */
function leastPrivilegeOptions(config: ClickHouseConfig, users: LeastPrivilegeConfig): LeastPrivilegeOptions | undefined {
  const { CLICKHOUSE_INGESTOR_PASSWORD: ingestor, CLICKHOUSE_QUERY_PASSWORD: query } = users;
  if (ingestor === undefined && query === undefined) return undefined;
  if (ingestor === undefined || query === undefined) throw new UsageError('set both CLICKHOUSE_INGESTOR_PASSWORD and CLICKHOUSE_QUERY_PASSWORD, or neither');
  return {
    database: config.CLICKHOUSE_DATABASE,
    topology: config.CLICKHOUSE_TOPOLOGY,
    cluster: config.CLICKHOUSE_CLUSTER,
    ingestor: { user: users.CLICKHOUSE_INGESTOR_USER, password: ingestor },
    queryApi: { user: users.CLICKHOUSE_QUERY_USER, password: query },
  };
}
