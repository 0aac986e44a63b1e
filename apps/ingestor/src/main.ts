import 'reflect-metadata';
import { loadConfig } from '@audit/config';
import { IngestConfig } from '@audit/ingest';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IngestorModule } from './ingestor.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(IngestorModule);
  app.enableShutdownHooks();
  const { INGESTOR_PORT, INGESTOR_HOST } = loadConfig(IngestConfig);
  await app.listen(INGESTOR_PORT, INGESTOR_HOST);
  Logger.log(`ingestor running; health on http://${INGESTOR_HOST}:${INGESTOR_PORT}/health/live`, 'Ingestor');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Ingestor');
  process.exit(1);
});
