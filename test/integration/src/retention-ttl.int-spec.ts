import { AuditEventsWriteRepository, toAuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent } from '@audit/contract';
import { RetentionPolicy } from '@audit/integrity';
import { openTestClickHouse, uniqueName, waitFor, type TestClickHouse } from '@audit/testing';

jest.setTimeout(90_000);

const DAY_MS = 86_400_000;

describe('per-organization retention', () => {
  let clickhouse: TestClickHouse;

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
  });

  afterAll(async () => {
    await clickhouse?.close();
  });

  async function organizations(): Promise<Record<string, number>> {
    const result = await clickhouse.handle.client.query({
      query: `SELECT organization_id, count() AS rows FROM ${clickhouse.database}.audit_events GROUP BY organization_id`,
      format: 'JSONEachRow',
    });
    return Object.fromEntries((await result.json<{ organization_id: string; rows: string }>()).map((row) => [row.organization_id, Number(row.rows)]));
  }

  it('deletes an organization’s expired events while the six-year organizations in the same part keep theirs', async () => {
    const short = uniqueName('org_short');
    const long = uniqueName('org_long');
    const policy = new RetentionPolicy(2192, `${short}=365`);
    // Events that reach the short organization's 365 days a few seconds after they are stored, so
    // the row deletion is the TTL merge's work, not the insert's.
    const occurredAt = new Date(Date.now() - 365 * DAY_MS + 4000).toISOString();
    const rows = [short, short, long, long].map((organizationId, offset) => ({
      ...toAuditEventRow(makeAuditEvent({ organizationId, occurredAt }), { topic: 'seed', partition: 0, offset: String(offset) }),
      retention_days: policy.retentionDaysFor(organizationId),
    }));
    // Only to see the background TTL merge within the test: its default period is 4 hours.
    await clickhouse.handle.client.command({ query: `ALTER TABLE ${clickhouse.database}.audit_events MODIFY SETTING merge_with_ttl_timeout = 1` });
    await new AuditEventsWriteRepository(clickhouse.handle.client, clickhouse.database).insert(rows, { deduplicationToken: uniqueName('ttl') });
    expect(await organizations()).toEqual({ [short]: 2, [long]: 2 });

    const left = await waitFor(async () => {
      const counts = await organizations();
      return counts[short] === undefined ? counts : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000, what: `the TTL to delete ${short}'s expired events` });
    expect(left).toEqual({ [long]: 2 });
  });
});
