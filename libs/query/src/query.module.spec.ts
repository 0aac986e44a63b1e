import { CLICKHOUSE, ClickHouseConfig } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { KafkaConfig } from '@audit/kafka';
import { Global, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { HeavyReadLimiter } from './limits/heavy-read.limiter';
import { QueryLimitsConfig } from './limits/query-limits.config';
import { QueryConfig } from './query.config';
import { QueryModule } from './query.module';

/** What ClickHouseModule provides, with a client no query reaches: building the module runs none. */
@Global()
@Module({
  providers: [
    { provide: CLICKHOUSE, useValue: { client: {}, close: async () => undefined } },
    { provide: ClickHouseConfig, useValue: loadConfig(ClickHouseConfig, {}) },
  ],
  exports: [CLICKHOUSE, ClickHouseConfig],
})
class FakeClickHouseModule {}

describe('QueryModule.forRoot', () => {
  const environment = { QUERY_STREAM_MAX_CONCURRENT_PER_TENANT: '3', QUERY_STREAM_MAX_CONCURRENT: '3' };
  let moduleRef: TestingModule | undefined;

  beforeAll(() => Object.assign(process.env, environment));

  afterAll(async () => {
    for (const name of Object.keys(environment)) delete process.env[name];
    await moduleRef?.close();
  });

  it('enforces the limits in the configuration it is given, not the process environment', async () => {
    const config = loadConfig(QueryConfig, { AUTH_JWT_SECRET: 's'.repeat(32), QUERY_STREAM_MAX_CONCURRENT_PER_TENANT: '1' });
    moduleRef = await Test.createTestingModule({ imports: [FakeClickHouseModule, QueryModule.forRoot(config, loadConfig(KafkaConfig, {}))] }).compile();

    expect(moduleRef.get(QueryLimitsConfig).QUERY_STREAM_MAX_CONCURRENT_PER_TENANT).toBe(1);
    const limiter = moduleRef.get(HeavyReadLimiter);
    expect(limiter.tryAcquire('stream', 'org_1')).toEqual(expect.objectContaining({ release: expect.any(Function) }));
    expect(limiter.tryAcquire('stream', 'org_1')).toEqual(expect.objectContaining({ refused: 'tenant' }));
    expect(limiter.tryAcquire('stream', 'org_2')).toEqual(expect.objectContaining({ release: expect.any(Function) }));
  });
});
