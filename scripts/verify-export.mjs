#!/usr/bin/env node
// Offline verification of a verified audit-log export (GET /v1/audit-logs/export?format=ndjson&verified=true).
// Needs only Node.js (18+) and the deployment's Ed25519 public key; no dependencies, no network.
//
//   node verify-export.mjs export.ndjson --public-key audit-public.pem [--json]
//
// Checks, in order: the manifest's Ed25519 signature (over the documented prefix + the manifest as
// JSON with sorted keys), the public key's id against the manifest's keyId, the SHA-256 of every
// byte before the manifest line, the row count, every row's chain hash
//   chain_hash = SHA-256(32 bytes of chain_prev_hash ‖ UTF-8 of the event's canonical JSON),
// that rows whose sequence numbers are consecutive link (row n+1's chain_prev_hash = row n's
// chain_hash, and sequence 1 starts from 64 zeros), that rows come grouped by organization in chain
// order, that each row matches the export's organization and filters, each organization's counts,
// first/last sequence against the manifest, any row at a chain head's sequence against that head,
// and each organization's expiry statement (links 1…N expired): its own Ed25519 signature, and that
// the row after it chains from the hash it signed.
// Exit code: 0 verified, 1 verification failed (each failure is printed), 2 usage error.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { pathToFileURL } from 'node:url';

export const VERIFIED_EXPORT_FORMAT = 'audit-pipeline.verified-export.v1';
export const MANIFEST_SIGNING_PREFIX = 'audit-pipeline verified-export manifest v1\n';
export const EXPIRY_SIGNING_PREFIX = 'audit-pipeline expiry statement v1\n';
const GENESIS_HASH = '0'.repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;
const STRING_COLUMNS = [
  'organization_id', 'event_id', 'occurred_at', 'actor_id', 'actor_type', 'actor_name', 'actor_email', 'actor_ip', 'actor_user_agent',
  'action', 'resource_type', 'resource_id', 'resource_name', 'status', 'reason', 'request_id', 'session_id', 'changes', 'metadata',
];
const MAX_LISTED_FAILURES = 50;

/** The bytes a row's hash covers; must stay identical to libs/integrity's canonicalEventJson. */
export function canonicalEventJson(row) {
  const json = JSON.stringify({
    organization_id: row.organization_id,
    chain_seq: row.chain_seq,
    event_id: row.event_id.toLowerCase(),
    occurred_at: row.occurred_at,
    actor_id: row.actor_id,
    actor_type: row.actor_type,
    actor_name: row.actor_name,
    actor_email: row.actor_email,
    actor_ip: row.actor_ip,
    actor_user_agent: row.actor_user_agent,
    action: row.action,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    resource_name: row.resource_name,
    status: row.status,
    reason: row.reason,
    request_id: row.request_id,
    session_id: row.session_id,
    changes: row.changes,
    metadata: row.metadata,
    schema_version: Number(row.schema_version),
  });
  // A link's expiry is hashed last; links stored before links carried one have none.
  return row.expires_at == null ? json : `${json.slice(0, -1)},"expires_at":${JSON.stringify(row.expires_at)}}`;
}

/** The bytes an expiry statement's signature covers; must stay identical to libs/integrity's expiryStatementMessage. */
function expiryStatementMessage(statement) {
  const { organizationId, chainSeq, chainHash, expiredAt, signedAt, keyId } = statement;
  return EXPIRY_SIGNING_PREFIX + JSON.stringify({ organizationId, chainSeq, chainHash, expiredAt, signedAt, keyId });
}

/** Why an organization's expiry statement is not to be trusted, or undefined when it is. */
function expiryProblem(statement, organizationId, publicKey, keyId) {
  if (statement.organizationId !== organizationId) return `it is the statement of organization ${statement.organizationId}`;
  if (!Number.isSafeInteger(statement.chainSeq) || statement.chainSeq < 1 || !HEX64.test(statement.chainHash ?? '')) return 'it names no link (chainSeq, chainHash)';
  if (statement.keyId !== keyId) return `it is signed by key ${statement.keyId}, not by the key given (${keyId})`;
  if (!(Date.parse(statement.expiredAt) <= Date.parse(statement.signedAt))) return `it says its links expired (${statement.expiredAt}) after it was signed (${statement.signedAt})`;
  let valid = false;
  try {
    valid = verify(null, Buffer.from(expiryStatementMessage(statement), 'utf8'), publicKey, Buffer.from(String(statement.signature), 'base64'));
  } catch {
    valid = false;
  }
  return valid ? undefined : 'its signature does not verify: the statement was altered or forged';
}

/** JSON with every object's keys sorted and no whitespace: the signed form of the manifest. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function linkHash(prevHash, canonical) {
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonical, 'utf8').digest('hex');
}

/** The exact line the server writes for a row: a line in any other form was edited. */
function expectedLine(row) {
  const canonical = canonicalEventJson(row).slice(0, -1);
  if (row.chain_seq === 0) return `${canonical},"chain_prev_hash":"","chain_hash":"","unchained":true}`;
  return `${canonical},"chain_prev_hash":${JSON.stringify(row.chain_prev_hash)},"chain_hash":${JSON.stringify(row.chain_hash)}}`;
}

/** ISO-8601 → the stored `YYYY-MM-DD hh:mm:ss.sss` text (fixed width, so text order is time order). */
function storedTime(iso) {
  return new Date(iso).toISOString().slice(0, 23).replace('T', ' ');
}

/** The last line of the file (the manifest) and the byte offset where it starts. */
function readLastLine(path) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let end = size;
    // A trailing newline ends the manifest line; it is not a line of its own.
    const last = Buffer.alloc(1);
    if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a) end = size - 1;
    const chunks = [];
    let position = end;
    while (position > 0) {
      const length = Math.min(65_536, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      const newline = chunk.lastIndexOf(0x0a);
      if (newline >= 0) {
        chunks.unshift(chunk.subarray(newline + 1));
        return { text: Buffer.concat(chunks).toString('utf8'), start: position + newline + 1 };
      }
      chunks.unshift(chunk);
    }
    return { text: Buffer.concat(chunks).toString('utf8'), start: 0 };
  } finally {
    closeSync(fd);
  }
}

function keyIdOf(publicKey) {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

/** Streams the bytes [0, end) of the file as lines (Buffers without the newline), hashing every byte. */
async function forEachBodyLine(path, end, onLine) {
  const hash = createHash('sha256');
  if (end === 0) return hash.digest('hex');
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { start: 0, end: end - 1 })) {
    hash.update(chunk);
    let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let newline;
    while ((newline = data.indexOf(0x0a)) >= 0) {
      onLine(data.subarray(0, newline));
      data = data.subarray(newline + 1);
    }
    rest = Buffer.from(data);
  }
  if (rest.length) onLine(rest);
  return hash.digest('hex');
}

/**
 * The filters this verifier checks every row against. A manifest naming another was written by a
 * newer query API: its rows cannot be checked here, so the file does not verify.
 */
const CHECKED_FILTERS = ['from', 'to', 'resourceType', 'action', 'actor', 'resourceId', 'actorIp', 'status'];

/** One address written two ways (2001:db8::1, 2001:db8:0:0::1) is one; an IPv4 address never equals an IPv6 one (as the server compares them). */
function sameAddress(text, address) {
  const family = isIP(address);
  if (family === 0 || isIP(text) !== family) return false;
  const list = new BlockList();
  list.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(text, family === 4 ? 'ipv4' : 'ipv6');
}

function matchesFilters(row, filters, from, to) {
  if (row.occurred_at < from || row.occurred_at >= to) return `occurred_at ${row.occurred_at} is outside the window [${filters.from}, ${filters.to})`;
  if (filters.resourceType && !filters.resourceType.includes(row.resource_type)) return `resource_type ${row.resource_type} is not in the filter`;
  if (filters.action && !filters.action.includes(row.action)) return `action ${row.action} is not in the filter`;
  if (filters.actor !== undefined && row.actor_email !== filters.actor && row.actor_id !== filters.actor) return 'actor does not match the filter';
  if (filters.resourceId !== undefined && row.resource_id !== filters.resourceId) return 'resource_id does not match the filter';
  if (filters.actorIp !== undefined && !sameAddress(row.actor_ip, filters.actorIp)) return `actor_ip ${JSON.stringify(row.actor_ip)} does not match the filter actorIp ${filters.actorIp}`;
  if (filters.status !== undefined && row.status !== filters.status) return 'status does not match the filter';
  return undefined;
}

/**
 * Verifies an export file against a public key (PEM text). Returns `{ ok, failures, notes, summary }`;
 * throws only for usage problems (unreadable file or key).
 */
export async function verifyExportFile(path, publicKeyPem) {
  const publicKey = createPublicKey(publicKeyPem);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`the public key must be Ed25519, got ${publicKey.asymmetricKeyType}`);
  const failures = [];
  const notes = [];
  const fail = (message) => failures.push(message);

  const { text: manifestText, start: bodyEnd } = readLastLine(path);
  let signed;
  try {
    signed = JSON.parse(manifestText);
  } catch {
    signed = undefined;
  }
  const manifest = signed?.manifest;
  if (!manifest || typeof manifest !== 'object' || typeof signed.signature !== 'string') {
    fail('the last line is not a manifest ({"manifest":{…},"signature":"…"}): the file is truncated or not a verified export');
    return { ok: false, failures, notes, summary: undefined };
  }
  if (manifest.format !== VERIFIED_EXPORT_FORMAT) fail(`manifest format is ${JSON.stringify(manifest.format)}, expected ${VERIFIED_EXPORT_FORMAT}`);
  const signatureOk = verify(null, Buffer.from(MANIFEST_SIGNING_PREFIX + canonicalJson(manifest), 'utf8'), publicKey, Buffer.from(signed.signature, 'base64'));
  if (!signatureOk) fail('manifest signature does not verify with this public key: the manifest was changed or signed by another key');
  const keyId = keyIdOf(publicKey);
  if (manifest.keyId !== keyId) fail(`manifest names key ${manifest.keyId}, the public key given is ${keyId}`);

  const filters = manifest.filters ?? {};
  for (const name of Object.keys(filters).filter((candidate) => !CHECKED_FILTERS.includes(candidate))) {
    fail(`manifest filter ${name} is unknown to this verifier: the rows cannot be checked against it (use a verifier as new as the query API that wrote the export)`);
  }
  const from = storedTime(filters.from);
  const to = storedTime(filters.to);
  const expected = new Map((manifest.organizations ?? []).map((entry) => [entry.organizationId, entry]));
  const seen = new Map();
  let current;
  let rows = 0;
  let chained = 0;
  let gaps = 0;

  const bodySha256 = await forEachBodyLine(path, bodyEnd, (bytes) => {
    rows += 1;
    const at = `line ${rows}`;
    let row;
    try {
      row = JSON.parse(bytes.toString('utf8'));
    } catch {
      fail(`${at}: not JSON`);
      return;
    }
    const wrongType = STRING_COLUMNS.find((column) => typeof row?.[column] !== 'string') ?? (row?.expires_at !== undefined && typeof row.expires_at !== 'string' ? 'expires_at' : undefined);
    if (wrongType || !Number.isSafeInteger(row.chain_seq) || row.chain_seq < 0 || typeof row.schema_version !== 'number') {
      fail(`${at}: not an event line (${wrongType ?? 'chain_seq or schema_version'} missing or of the wrong type)`);
      return;
    }
    const where = `${at} (organization ${row.organization_id}, seq ${row.chain_seq}, event ${row.event_id})`;
    if (bytes.toString('utf8') !== expectedLine(row)) fail(`${where}: the line is not in the form the server writes (a field was added, removed or re-encoded)`);
    if (manifest.organization !== '*' && row.organization_id !== manifest.organization) fail(`${where}: belongs to another organization than the export (${manifest.organization})`);
    const mismatch = matchesFilters(row, filters, from, to);
    if (mismatch) fail(`${where}: ${mismatch}`);

    if (current?.organizationId !== row.organization_id) {
      if (seen.has(row.organization_id)) fail(`${where}: organization ${row.organization_id} appears again after other organizations (rows are grouped by organization)`);
      else if (current && row.organization_id < current.organizationId) fail(`${where}: organizations are out of order`);
      current = seen.get(row.organization_id) ?? { organizationId: row.organization_id, rows: 0, unchainedRows: 0, firstSeq: null, lastSeq: null, lastHash: undefined };
      seen.set(row.organization_id, current);
    }
    current.rows += 1;
    if (row.chain_seq === 0) {
      current.unchainedRows += 1;
      if (row.unchained !== true) fail(`${where}: sequence 0 must be marked unchained`);
      if (current.lastSeq !== null) fail(`${where}: an unchained row after chained rows (unchained rows come first)`);
      return;
    }
    chained += 1;
    if (!HEX64.test(row.chain_prev_hash) || !HEX64.test(row.chain_hash)) {
      fail(`${where}: chain_prev_hash and chain_hash must be 64 lowercase hex digits`);
      return;
    }
    const computed = linkHash(row.chain_prev_hash, canonicalEventJson(row));
    if (computed !== row.chain_hash) fail(`${where}: hash mismatch: SHA-256(prev ‖ canonical event) is ${computed}, the row says ${row.chain_hash} (the event was altered)`);
    if (row.chain_seq === 1 && row.chain_prev_hash !== GENESIS_HASH) fail(`${where}: sequence 1 must start from the genesis hash (64 zeros)`);
    if (current.lastSeq !== null) {
      if (row.chain_seq <= current.lastSeq) fail(`${where}: sequence ${row.chain_seq} after ${current.lastSeq} (rows reordered or duplicated)`);
      else if (row.chain_seq === current.lastSeq + 1 && row.chain_prev_hash !== current.lastHash) {
        fail(`${where}: broken link: chain_prev_hash ${row.chain_prev_hash} is not the hash of sequence ${current.lastSeq} (${current.lastHash})`);
      } else if (row.chain_seq > current.lastSeq + 1) gaps += row.chain_seq - current.lastSeq - 1;
    }
    const head = expected.get(row.organization_id)?.head;
    if (head && head.seq === row.chain_seq && head.hash !== row.chain_hash) fail(`${where}: differs from the chain head recorded at export time (${head.hash})`);
    const expiry = expected.get(row.organization_id)?.expiry;
    if (expiry && row.chain_seq === expiry.chainSeq + 1 && row.chain_prev_hash !== expiry.chainHash) {
      fail(`${where}: does not chain from the expiry statement: chain_prev_hash ${row.chain_prev_hash}, the statement signed ${expiry.chainHash} for sequence ${expiry.chainSeq}`);
    }
    if (expiry && row.chain_seq === expiry.chainSeq && row.chain_hash !== expiry.chainHash) fail(`${where}: differs from the hash the expiry statement signed (${expiry.chainHash})`);
    current.firstSeq ??= row.chain_seq;
    current.lastSeq = Math.max(current.lastSeq ?? 0, row.chain_seq);
    current.lastHash = row.chain_hash;
  });

  if (bodySha256 !== manifest.bodySha256) fail(`body SHA-256 is ${bodySha256}, the manifest says ${manifest.bodySha256} (lines were changed, added, removed or reordered)`);
  if (rows !== manifest.rowCount) fail(`the file has ${rows} rows, the manifest says ${manifest.rowCount}`);
  for (const [organizationId, entry] of expected) {
    if (entry.expiry) {
      const problem = expiryProblem(entry.expiry, organizationId, publicKey, keyId);
      if (problem) fail(`organization ${organizationId}: the expiry statement of links 1…${entry.expiry.chainSeq} is not valid: ${problem}`);
      else notes.push(`organization ${organizationId}: links 1…${entry.expiry.chainSeq} expired by ${entry.expiry.expiredAt} (statement signed ${entry.expiry.signedAt}); its chain is checked from link ${entry.expiry.chainSeq + 1}`);
    }
    const actual = seen.get(organizationId);
    if (!actual) {
      fail(`organization ${organizationId}: the manifest lists ${entry.rows} rows, the file has none`);
      continue;
    }
    for (const field of ['rows', 'unchainedRows', 'firstSeq', 'lastSeq']) {
      if (actual[field] !== entry[field]) fail(`organization ${organizationId}: ${field} is ${actual[field]} in the file, ${entry[field]} in the manifest`);
    }
    if (entry.head && entry.lastSeq !== null && entry.lastSeq > entry.head.seq) {
      notes.push(`organization ${organizationId}: rows up to sequence ${entry.lastSeq}, beyond the head read at export time (${entry.head.seq}); rows stored while the export ran`);
    }
  }
  for (const organizationId of seen.keys()) if (!expected.has(organizationId)) fail(`organization ${organizationId}: rows in the file but not in the manifest`);
  if (gaps > 0) notes.push(`${gaps} sequence numbers between the first and last row of an organization are not in the file (outside the filters, or missing: run the chain verification on the server for the full range)`);
  const unchained = rows - chained;
  if (unchained > 0) notes.push(`${unchained} rows predate the hash chain (sequence 0): counted and covered by the signed body hash, but not chain-verified`);
  return {
    ok: failures.length === 0,
    failures,
    notes,
    summary: { rows, chained, unchained, organizations: seen.size, keyId, createdAt: manifest.createdAt, organization: manifest.organization, filters },
  };
}

const USAGE = `Usage: node verify-export.mjs FILE --public-key PUBLIC_KEY.pem [--json]

Verifies a verified audit-log export offline: manifest signature, body SHA-256, row count, every
row's chain hash and the links between consecutive sequence numbers.
Exit code: 0 verified, 1 verification failed, 2 usage error.
`;

async function main(argv) {
  const args = [...argv];
  let file;
  let keyPath;
  let json = false;
  while (args.length) {
    const arg = args.shift();
    if (arg === '--public-key') keyPath = args.shift();
    else if (arg.startsWith('--public-key=')) keyPath = arg.slice('--public-key='.length);
    else if (arg === '--json') json = true;
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else if (!arg.startsWith('-') && file === undefined) file = arg;
    else {
      process.stderr.write(`unknown argument ${arg}\n${USAGE}`);
      return 2;
    }
  }
  if (!file || !keyPath) {
    process.stderr.write(USAGE);
    return 2;
  }
  let report;
  try {
    report = await verifyExportFile(file, readFileSync(keyPath, 'utf8'));
  } catch (error) {
    process.stderr.write(`verify-export: ${error.message}\n`);
    return 2;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  const { summary } = report;
  if (summary) {
    process.stdout.write(
      `${file}: ${summary.rows} rows (${summary.chained} chained, ${summary.unchained} unchained), ${summary.organizations} organization(s), ` +
        `export of ${summary.organization} created ${summary.createdAt}, window [${summary.filters.from}, ${summary.filters.to}), key ${summary.keyId}\n`,
    );
  }
  for (const note of report.notes) process.stdout.write(`note: ${note}\n`);
  if (report.ok) {
    process.stdout.write('VERIFIED: signature, body SHA-256, row count, every chain hash and every link check out\n');
    return 0;
  }
  for (const failure of report.failures.slice(0, MAX_LISTED_FAILURES)) process.stdout.write(`FAILED: ${failure}\n`);
  if (report.failures.length > MAX_LISTED_FAILURES) process.stdout.write(`… and ${report.failures.length - MAX_LISTED_FAILURES} more failures\n`);
  process.stdout.write(`NOT VERIFIED: ${report.failures.length} check(s) failed\n`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
