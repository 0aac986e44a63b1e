import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { parseCommandArgs } from '../cli.args';
import { API_HELP, API_OPTIONS, apiTarget } from '../cli.api';
import { applyFilters, FILTER_OPTIONS } from '../cli.filters';
import { UsageError, type CliCommand, type CliIo } from '../cli.io';
import { ProgressReporter } from '../format/progress.reporter';
import { RowCounter } from '../format/row.counter';

/** The query API sends these as HTTP trailers after the last byte of an export. */
const ROW_COUNT_TRAILER = 'x-audit-row-count';
const SHA256_TRAILER = 'x-audit-content-sha256';

const HELP = `Usage: audit export --out <file> [options]

Streams an export of the audit log from the query API (GET /v1/audit-logs/export) into a file,
with a progress bar on stderr and the row count at the end. The file is written as <file>.partial
and renamed when complete; the row count and SHA-256 are checked against what the API reports.

Options:
  --out <file>             where to write (required)
  --format <csv|ndjson>    file format (default ndjson)
  --verified               NDJSON with each row's hash-chain link and a signed manifest as the last
                           line; check it offline with \`audit verify-export FILE --public-key KEY.pem\`
  --resource-type <type>   filter; repeat for several types
  --action <action>        filter; repeat for several actions
  --actor <email-or-id>    filter
  --resource-id <id>       filter
  --actor-ip <ip>          filter: the actor's IP address (IPv4 or IPv6; a range: --q ip:10.0.0.0/8)
  --status <success|failure>
  --q <query>              a search, as in the API's q= and the Auditing page's search box, e.g.
                           --q 'actor:alice@x.com action:role.* -status:success ip:10.0.0.0/8 created:>=2026-09-01'
  --from <ISO-8601>        start of the time range (inclusive)
  --to <ISO-8601>          end of the time range (exclusive)
${API_HELP}  -h, --help               show this help
`;

interface ExportResult {
  rows: number;
  bytes: number;
  sha256: string;
}

function get(url: URL, token: string, signal: AbortSignal): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { headers: { authorization: `Bearer ${token}`, accept: '*/*' }, signal }, resolve);
    request.once('error', reject);
    request.end();
  });
}

async function errorMessage(response: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of response) body += String(chunk);
  try {
    const parsed = JSON.parse(body) as { code?: string; message?: string | string[]; field?: string };
    return [parsed.code, parsed.field && `field ${parsed.field}`, Array.isArray(parsed.message) ? parsed.message.join('; ') : parsed.message].filter(Boolean).join(': ');
  } catch {
    return body.slice(0, 200);
  }
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export filtered audit events to a CSV or NDJSON file',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {
      out: { type: 'string', short: 'o' },
      format: { type: 'string' },
      verified: { type: 'boolean' },
      ...FILTER_OPTIONS,
      from: { type: 'string' },
      to: { type: 'string' },
      ...API_OPTIONS,
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const format = values.format ?? 'ndjson';
    if (format !== 'csv' && format !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, got ${JSON.stringify(format)}`);
    if (values.verified && format !== 'ndjson') throw new UsageError('--verified exports are NDJSON: drop --format csv');
    if (!values.out) throw new UsageError('--out <file> is required');
    const { url, token } = apiTarget('/v1/audit-logs/export', values, io);
    url.searchParams.set('format', format);
    if (values.verified) url.searchParams.set('verified', 'true');
    applyFilters(url, values);
    for (const [name, value] of [['from', values.from], ['to', values.to]] as const) if (value !== undefined) url.searchParams.set(name, value);

    const response = await get(url, token, io.signal);
    if (response.statusCode !== 200) {
      io.stderr.write(`export failed: HTTP ${response.statusCode} ${await errorMessage(response)}\n`);
      return 1;
    }
    const result = await writeExport(response, values.out, format, io);
    const reportedRows = response.trailers[ROW_COUNT_TRAILER];
    const reportedSha = response.trailers[SHA256_TRAILER];
    if (reportedRows === undefined) {
      io.stderr.write(`export incomplete: the API did not confirm the end of the export (no ${ROW_COUNT_TRAILER} trailer); ${values.out} not written\n`);
      await rm(`${values.out}.partial`, { force: true });
      return 1;
    }
    // A verified export's last line is its manifest, not a row.
    const rows = values.verified ? result.rows - 1 : result.rows;
    if (Number(reportedRows) !== rows || (reportedSha !== undefined && reportedSha !== result.sha256)) {
      io.stderr.write(`export corrupt: the API sent ${reportedRows} rows (sha256 ${reportedSha}), received ${rows} (sha256 ${result.sha256}); ${values.out} not written\n`);
      await rm(`${values.out}.partial`, { force: true });
      return 1;
    }
    await rename(`${values.out}.partial`, values.out);
    io.stdout.write(`exported ${rows} rows (${values.verified ? 'verified ' : ''}${format}, sha256 ${result.sha256}) to ${values.out}\n`);
    return 0;
  },
};

async function writeExport(response: IncomingMessage, out: string, format: 'csv' | 'ndjson', io: CliIo): Promise<ExportResult> {
  const counter = new RowCounter(format);
  const hash = createHash('sha256');
  const progress = new ProgressReporter(io, `export ${out}`);
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.push(chunk);
      hash.update(chunk);
      bytes += chunk.length;
      progress.update(counter.rows, bytes);
      done(null, chunk);
    },
  });
  try {
    await pipeline(response, meter, createWriteStream(`${out}.partial`));
  } catch (error) {
    await rm(`${out}.partial`, { force: true });
    throw error;
  }
  progress.done(counter.rows, bytes);
  return { rows: counter.rows, bytes, sha256: hash.digest('hex') };
}
