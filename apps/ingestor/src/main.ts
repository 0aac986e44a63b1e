import 'reflect-metadata';
import { IngestHealth, startIngestion } from '@audit/ingest';
import { OpsListener } from '@audit/observability';
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
  // No public listener: the ingestor serves only /metrics and /health/* on its operations listener.
  await app.init();
  const ops = await app.get(OpsListener).listen(app.get(IngestHealth));
  Logger.log(`ingestor running; operations (/metrics, /health/ready) on ${ops}`, 'Ingestor');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Ingestor');
  process.exit(1);
});
