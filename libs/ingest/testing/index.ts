// `@audit/ingest/testing`: ingestors inside a test's (or benchmark's) own process, for tests that
// need several of them, or the ClickHouse handle they write to, at once. Not part of the runtime
// lib (libs/ingest/src): only tests and benchmarks import it.
import type { ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { KafkaConfig } from '@audit/kafka';
import { SharedClickHouseModule } from '@audit/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IngestConfig, IngestModule, startIngestion, type KafkaBatchTransport } from '../src';

export interface IngestApp {
  app: INestApplication;
  transport: KafkaBatchTransport;
}

/** One ingestor (IngestModule + the batching transport) inside this process. */
export async function startIngestApp(handle: ClickHouseHandle, database: string, env: Record<string, string | undefined>): Promise<IngestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [SharedClickHouseModule.of(handle, database), IngestModule.forRoot(loadConfig(IngestConfig, env), loadConfig(KafkaConfig, env))],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  const transport = await startIngestion(app);
  await app.init();
  return { app, transport };
}
