import type { ClickHouseClient } from '@clickhouse/client';
import { AuditChainHeadsReader } from './audit-chain-heads.reader';
import { MAX_URL_PARAMETER_BYTES } from './url-parameter.chunks';

/** What the URL of a request carries for a string-array parameter, formatted and encoded as @clickhouse/client does. */
function urlBytes(name: string, values: string[]): number {
  const formatted = `[${values.map((value) => `'${value.replace(/[\\']/g, (char) => `\\${char}`).replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`).join(',')}]`;
  return new URLSearchParams({ [`param_${name}`]: formatted }).toString().length;
}

/** A client that answers each heads query with one head per organization it was asked for, and records the parameters. */
function recordingClient(requests: string[][]): ClickHouseClient {
  return {
    query: async ({ query_params }: { query_params: { organizations: string[] } }) => {
      requests.push(query_params.organizations);
      const rows = query_params.organizations.map((organization_id) => ({ organization_id, chain_seq: '3', chain_hash: 'h', prev_seq: '2', prev_hash: 'p', kafka_topic: 't', kafka_partition: '0', first_offset: '0', last_offset: '9' }));
      return { json: async () => rows };
    },
  } as unknown as ClickHouseClient;
}

describe('AuditChainHeadsReader', () => {
  it('should split the organizations of a large block over requests whose URL stays within the bound, and answer for all', async () => {
    // Thousands of distinct keys at the contract's maximum length, some with characters that are escaped and percent-encoded.
    const organizations = Array.from({ length: 4000 }, (_, index) => `${index % 3 === 0 ? "o'rg\\ é漢" : 'org_'}${String(index).padStart(8, '0')}`.padEnd(128, 'x'));
    const requests: string[][] = [];
    const heads = await new AuditChainHeadsReader(recordingClient(requests), 'audit').latest(organizations);

    expect(requests.length).toBeGreaterThan(1);
    expect(Math.max(...requests.map((chunk) => urlBytes('organizations', chunk)))).toBeLessThanOrEqual(MAX_URL_PARAMETER_BYTES);
    expect(requests.flat().sort()).toEqual([...organizations].sort());
    expect(heads.size).toBe(organizations.length);
    expect(heads.get(organizations[0])).toMatchObject({ chain_seq: 3, prev_seq: 2, kafka_partition: 0 });
  });

  it('should ask once for a few organizations, and not at all for none', async () => {
    const requests: string[][] = [];
    const reader = new AuditChainHeadsReader(recordingClient(requests), 'audit');
    await reader.latest(['org_a', 'org_b']);
    await reader.latest([]);
    expect(requests).toEqual([['org_a', 'org_b']]);
  });
});
