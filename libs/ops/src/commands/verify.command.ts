import { AuditChainRepository, ClickHouseConfig, createClickHouseClient } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { parseAnchorLines, readPublicKey, verifyStoredChain, type AnchorFile, type ChainReport } from '@audit/integrity';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseCommandArgs } from '../cli.args';
import { CliConfig } from '../cli.config';
import { UsageError, type CliCommand, type CliIo } from '../cli.io';

const HELP = `Usage: audit verify --org <id> [options]

Recomputes an organization's tamper-evidence hash chain from ClickHouse and reports ok, or the
first broken link: its sequence number, the event stored there, what was expected and what was
found. It starts after the newest signed expiry statement (links 1…N expired and removed by
retention; link N+1 must chain from the hash the statement signed). Up to the newest stored link
it also checks the newest signed checkpoint and the ingester's head record, so deleting the newest
rows shows as "truncated". No row cap (the API's GET /v1/audit-logs/verify has one).

Options:
  --org <id>                 organization whose chain to check (required)
  --from <ISO-8601>          only the links of events that occurred from here (inclusive) …
  --to <ISO-8601>            … up to here (exclusive); both absent: the whole retained chain
  --public-key <file>        Ed25519 public key (SPKI PEM) that checks checkpoint and expiry
                             statement signatures (default: $AUDIT_CHAIN_PUBLIC_KEY; without
                             one: "unverified"; with one, a statement it does not verify is a break)
  --checkpoint-file <file>   the anchor file (AUDIT_CHECKPOINT_FILE), kept outside ClickHouse: its
                             newest checkpoint and expiry statement of the organization count too
  --json                     print the report as JSON
  -h, --help                 show this help

Exit codes: 0 the chain verifies, 1 it is broken (or the check failed), 2 usage.

Environment: CLICKHOUSE_URL (a server) or CLICKHOUSE_DATA_PATH (embedded; stop \`npm start\` first,
the embedded engine allows one process per directory), CLICKHOUSE_DATABASE.
`;

function instant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const millis = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(value) || /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(millis)) throw new UsageError(`--${name} must be an ISO-8601 date, got ${JSON.stringify(value)}`);
  return new Date(millis).toISOString();
}

function readFileOption(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--${name}: cannot read ${path}: ${(error as Error).message}`);
  }
}

function publicKeyOf(path: string | undefined, fromEnv: string | undefined): KeyObject | undefined {
  const text = path === undefined ? fromEnv : readFileOption('public-key', path);
  if (text === undefined) return undefined;
  try {
    return readPublicKey(text);
  } catch (error) {
    throw new UsageError(`${path === undefined ? 'AUDIT_CHAIN_PUBLIC_KEY' : `--public-key ${path}`} is not an Ed25519 public key: ${(error as Error).message}`);
  }
}

const range = (report: ChainReport) => (report.firstSeq === null ? 'no links' : `links ${report.firstSeq}…${report.lastSeq}`);

/** The report for people: the verdict first, then the break or the checkpoint. */
export function renderReport(report: ChainReport): string {
  const lines: string[] = [];
  const breach = report.firstBreak;
  if (breach) {
    lines.push(`BROKEN  ${report.organizationId}: ${breach.kind} at link ${breach.seq}`);
    lines.push(`  event     ${breach.eventId ?? '-'}`, `  expected  ${breach.expected}`, `  found     ${breach.found}`, `  ${breach.detail}`);
    lines.push(`${report.checked} links verified before it (${range(report)})`);
  } else {
    lines.push(`OK      ${report.organizationId}: ${report.checked} links verified (${range(report)})${report.head ? `, head ${report.head.hash}` : ''}`);
    if (!report.complete) lines.push(`  stopped at the row limit; the check goes on at link ${report.nextSeq}`);
  }
  const checkpoint = report.checkpoint;
  if (checkpoint) {
    lines.push(
      `checkpoint  link ${checkpoint.chainSeq} signed ${checkpoint.signedAt} by key ${checkpoint.keyId}: signature ${checkpoint.signature}, ` +
        `${checkpoint.compared ? 'compared' : 'not reached by this range'}`,
    );
  } else {
    lines.push('checkpoint  none yet (deleted newest rows are only detectable against one)');
  }
  const expiry = report.expiry;
  lines.push(
    expiry
      ? `expiry      links 1…${expiry.chainSeq} expired by ${expiry.expiredAt} (statement signed ${expiry.signedAt} by key ${expiry.keyId}: signature ${expiry.signature})`
      : 'expiry      none yet (the check starts at link 1)',
  );
  return `${lines.join('\n')}\n`;
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: "check an organization's tamper-evidence hash chain (exit 1 when broken)",
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {
      org: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'public-key': { type: 'string' },
      'checkpoint-file': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (!values.org) throw new UsageError('--org is required');
    const from = instant('from', values.from);
    const to = instant('to', values.to);
    if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from must not be after --to');
    const cliConfig = loadConfig(CliConfig, io.env);
    const publicKey = publicKeyOf(values['public-key'], cliConfig.AUDIT_CHAIN_PUBLIC_KEY);
    const file = values['checkpoint-file'];
    let anchors: AnchorFile | undefined;
    try {
      anchors = file === undefined ? undefined : parseAnchorLines(readFileOption('checkpoint-file', file));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--checkpoint-file ${file}: ${(error as Error).message}`);
    }

    const config = loadConfig(ClickHouseConfig, io.env);
    const handle = createClickHouseClient({ url: config.CLICKHOUSE_URL, dataPath: config.CLICKHOUSE_DATA_PATH });
    try {
      const report = await verifyStoredChain(new AuditChainRepository(handle.client, config.CLICKHOUSE_DATABASE), {
        organizationId: values.org,
        from,
        to,
        publicKey,
        externalCheckpoint: anchors?.checkpoints.get(values.org),
        externalExpiry: anchors?.expiries.get(values.org),
        signal: io.signal,
      });
      io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
      return report.status === 'ok' ? 0 : 1;
    } finally {
      await handle.client.close();
    }
  },
};
