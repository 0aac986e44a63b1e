import 'reflect-metadata';
import { IngestConfig, startIngestion } from '@audit/ingest';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { IngestorModule } from './ingestor.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(IngestorModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM → app.close(): the transport flushes and commits, then ClickHouse closes.
  app.enableShutdownHooks();
  await startIngestion(app);
  const { INGESTOR_PORT, INGESTOR_HOST } = app.get(IngestConfig);
  await app.listen(INGESTOR_PORT, INGESTOR_HOST);
  Logger.log(`ingestor running; health on ${await app.getUrl()}/health/ready`, 'Ingestor');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Ingestor');
  process.exit(1);
});
