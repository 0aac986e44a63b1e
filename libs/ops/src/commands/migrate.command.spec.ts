import { captureIo } from '../../test/capture.io';
import { runCli } from '../cli';

describe('audit migrate', () => {
  it('should refuse one least-privilege password without the other, before touching ClickHouse', async () => {
    const io = captureIo({ CLICKHOUSE_URL: 'http://127.0.0.1:1', CLICKHOUSE_INGESTOR_PASSWORD: 'ingestor-password-0123' });
    expect(await runCli(['migrate'], io.io)).toBe(2);
    expect(io.stderr()).toContain('set both CLICKHOUSE_INGESTOR_PASSWORD and CLICKHOUSE_QUERY_PASSWORD, or neither');
  });

  it('should refuse a least-privilege password shorter than 16 characters', async () => {
    const io = captureIo({ CLICKHOUSE_URL: 'http://127.0.0.1:1', CLICKHOUSE_INGESTOR_PASSWORD: 'short', CLICKHOUSE_QUERY_PASSWORD: 'query-password-0123' });
    expect(await runCli(['migrate'], io.io)).toBe(2);
    expect(io.stderr()).toContain('CLICKHOUSE_INGESTOR_PASSWORD');
  });

  it('should list the least-privilege variables in its help', async () => {
    const io = captureIo();
    expect(await runCli(['migrate', '--help'], io.io)).toBe(0);
    expect(io.stdout()).toContain('CLICKHOUSE_QUERY_PASSWORD');
  });
});
