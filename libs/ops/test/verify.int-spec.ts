import { AuditChainRepository, createClickHouseClient } from '@audit/clickhouse';
import { anchorLine, DAY_MS, publicKeyPem, signCheckpoint, signExpiryStatement } from '@audit/integrity';
import { chainEvents, openTestClickHouse, storeChain, testSigningKey, uniqueName, type TestClickHouse } from '@audit/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { captureIo } from './capture.io';

jest.setTimeout(120_000);

/** A migrated database in `dataPath`, seeded by `seed`, closed again (the CLI opens it next); returns the CLI's environment. */
async function seededDatabase(dataPath: string, seed: (clickhouse: TestClickHouse) => Promise<void>): Promise<NodeJS.ProcessEnv> {
  const clickhouse = await openTestClickHouse({ dataPath });
  try {
    await seed(clickhouse);
    return { CLICKHOUSE_URL: process.env.CLICKHOUSE_URL, CLICKHOUSE_DATA_PATH: dataPath, CLICKHOUSE_DATABASE: clickhouse.database };
  } finally {
    await clickhouse.close();
  }
}

describe('audit verify on the ClickHouse engine', () => {
  const folder = mkdtempSync(join(tmpdir(), 'audit-cli-verify-'));
  const dataPath = join(folder, 'clickhouse');
  const publicKeyFile = join(folder, 'audit-public.pem');
  const checkpointFile = join(folder, 'checkpoints.jsonl');
  const organizationId = uniqueName('org_cli_verify');
  const signing = testSigningKey();
  let env: NodeJS.ProcessEnv;

  /** The embedded engine allows one data directory per process at a time: open, act, close. */
  async function withClickHouse(act: (client: ReturnType<typeof createClickHouseClient>['client']) => Promise<void>): Promise<void> {
    const handle = createClickHouseClient({ url: process.env.CLICKHOUSE_URL, dataPath });
    try {
      await act(handle.client);
    } finally {
      await handle.client.close();
    }
  }

  async function verify(...args: string[]) {
    const out = captureIo(env);
    const code = await runCli(['verify', '--org', organizationId, ...args], out.io);
    return { code, stdout: out.stdout(), stderr: out.stderr() };
  }

  beforeAll(async () => {
    env = await seededDatabase(dataPath, async (clickhouse) => {
      const chain = await storeChain(clickhouse.handle, clickhouse.database, chainEvents(organizationId, 300), { blockRows: 100 });
      const checkpoint = signCheckpoint(signing.key, organizationId, chain.head);
      await new AuditChainRepository(clickhouse.handle.client, clickhouse.database).insertCheckpoints([checkpoint]);
      writeFileSync(checkpointFile, `${JSON.stringify(checkpoint)}\n`);
      writeFileSync(publicKeyFile, publicKeyPem(signing.key));
    });
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('should print OK with the checked range and the verified checkpoint, and exit 0', async () => {
    const { code, stdout } = await verify('--public-key', publicKeyFile);
    const json = await verify('--public-key', publicKeyFile, '--json');

    expect(code).toBe(0);
    expect(stdout).toMatch(/^OK {6}org_cli_verify\S*: 300 links verified \(links 1…300\), head [0-9a-f]{64}$/m);
    expect(stdout).toMatch(/^checkpoint {2}link 300 signed \S+ by key [0-9a-f]{16}: signature valid, compared$/m);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'ok', checked: 300, checkpoint: { signature: 'valid' } });
  });

  it('should catch deleted newest rows with the checkpoint file even when the stored checkpoints and heads were deleted too, and exit 1', async () => {
    await withClickHouse(async (client) => {
      for (const statement of [
        `ALTER TABLE ${env.CLICKHOUSE_DATABASE}.audit_events DELETE WHERE organization_id = '${organizationId}' AND chain_seq > 280`,
        `ALTER TABLE ${env.CLICKHOUSE_DATABASE}.audit_chain_checkpoints DELETE WHERE organization_id = '${organizationId}'`,
        `ALTER TABLE ${env.CLICKHOUSE_DATABASE}.audit_chain_heads DELETE WHERE organization_id = '${organizationId}'`,
      ]) {
        await client.command({ query: `${statement} SETTINGS mutations_sync = 2` });
      }
    });

    const storeOnly = await verify('--public-key', publicKeyFile);
    const withFile = await verify('--public-key', publicKeyFile, '--checkpoint-file', checkpointFile);

    expect(storeOnly.code).toBe(0);
    expect(storeOnly.stdout).toContain('checkpoint  none yet');
    expect(withFile.code).toBe(1);
    expect(withFile.stdout).toMatch(/^BROKEN {2}org_cli_verify\S*: truncated at link 281$/m);
    expect(withFile.stdout).toContain('links 281 to 300 were deleted');
  });

  it('should refuse a public key file that is not a key as a usage error', async () => {
    writeFileSync(join(folder, 'not-a-key.pem'), 'hello');

    const { code, stderr } = await verify('--public-key', join(folder, 'not-a-key.pem'));

    expect(code).toBe(2);
    expect(stderr).toContain('is not an Ed25519 public key');
  });
});

describe('audit verify after an expiry', () => {
  const folder = mkdtempSync(join(tmpdir(), 'audit-cli-expiry-'));
  const dataPath = join(folder, 'clickhouse');
  const publicKeyFile = join(folder, 'audit-public.pem');
  const anchorFile = join(folder, 'anchors.jsonl');
  const organizationId = uniqueName('org_cli_expiry');
  const signing = testSigningKey();
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await seededDatabase(dataPath, async (clickhouse) => {
      const recorded = Date.now() - 3 * DAY_MS;
      const expired = await storeChain(clickhouse.handle, clickhouse.database, chainEvents(organizationId, 10, recorded), { retention: { clock: recorded, days: 1 } });
      await storeChain(clickhouse.handle, clickhouse.database, chainEvents(organizationId, 5), { after: expired.head, retention: { clock: Date.now(), days: 1 } });
      // The statement survives only in the anchor file (its stored copy was deleted), the expired links are gone.
      writeFileSync(anchorFile, `${anchorLine(signExpiryStatement(signing.key, organizationId, expired.head, expired.head.expiresAt))}\n`);
      await clickhouse.handle.client.command({
        query: `ALTER TABLE ${clickhouse.database}.audit_events DELETE WHERE organization_id = {organizationId:String} AND chain_seq <= 10 SETTINGS mutations_sync = 2`,
        query_params: { organizationId },
      });
      writeFileSync(publicKeyFile, publicKeyPem(signing.key));
    });
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('should start after the expiry statement kept in the anchor file, and report the expired links missing without it', async () => {
    const run = async (...args: string[]) => {
      const out = captureIo(env);
      return { code: await runCli(['verify', '--org', organizationId, '--public-key', publicKeyFile, ...args], out.io), stdout: out.stdout() };
    };

    const withFile = await run('--checkpoint-file', anchorFile);
    const storeOnly = await run();

    expect(withFile.code).toBe(0);
    expect(withFile.stdout).toMatch(/^OK {6}org_cli_expiry\S*: 5 links verified \(links 11…15\)/m);
    expect(withFile.stdout).toMatch(/^expiry {6}links 1…10 expired by \S+ \(statement signed \S+ by key [0-9a-f]{16}: signature valid\)$/m);
    expect(storeOnly.code).toBe(1);
    expect(storeOnly.stdout).toMatch(/^BROKEN {2}org_cli_expiry\S*: missing at link 1$/m);
  });
});
