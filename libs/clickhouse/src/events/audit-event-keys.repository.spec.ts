import type { ClickHouseClient } from '@clickhouse/client';
import type { Condition } from './audit-events.conditions';
import { AuditEventKeysRepository } from './audit-event-keys.repository';

/** A client whose key table answers each chunk query with `size` entries spanning one day, `chunks` times, then none. */
function fakeClient(chunks: number): { client: ClickHouseClient; sizes: number[] } {
  const sizes: number[] = [];
  const client = {
    query: async ({ query_params }: { query_params: { size: number } }) => {
      sizes.push(query_params.size);
      const entries = sizes.length <= chunks ? query_params.size : 0;
      const day = String(28 - sizes.length).padStart(2, '0');
      return { json: async () => [[entries, `2026-03-${day} 00:00:00.000`, `2026-03-${day} 23:59:59.999`]] };
    },
  } as unknown as ClickHouseClient;
  return { client, sizes };
}

describe('AuditEventKeysRepository', () => {
  it('should pass each chunk of places as a time span and a subquery, binding only the key and two instants however many places it holds', async () => {
    const { client, sizes } = fakeClient(3);
    const places: Condition[] = [];
    const repository = new AuditEventKeysRepository(client, 'audit', '');
    const rows = await repository.collect(
      { kind: 'actor', values: ['alice@x.com'] },
      { from: '2026-01-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', direction: 'older' },
      5,
      async (condition) => {
        places.push(condition);
        return [];
      },
    );

    expect(rows).toEqual([]);
    expect(sizes).toEqual([5, 20, 80, 320]);
    expect(places.map((condition) => condition.params)).toEqual([
      { placeKind: 'actor', placeValues: ['alice@x.com'], placeLow: '2026-03-27 00:00:00.000', placeHigh: '2026-03-28 00:00:00.000' },
      { placeKind: 'actor', placeValues: ['alice@x.com'], placeLow: '2026-03-26 00:00:00.000', placeHigh: '2026-03-27 00:00:00.000' },
      { placeKind: 'actor', placeValues: ['alice@x.com'], placeLow: '2026-03-25 00:00:00.000', placeHigh: '2026-03-26 00:00:00.000' },
    ]);
    expect(places[0].sql.join(' ')).toContain('(organization_id, occurred_at) IN (SELECT organization_id, occurred_at FROM audit.audit_event_keys');
  });
});
