import 'reflect-metadata';
import { startIngestion } from '@audit/ingest';
import { QueryConfig, setupOpenApi } from '@audit/query';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AllInOneModule } from './all-in-one.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AllInOneModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM → app.close(): the ingest transport flushes and commits, then ClickHouse closes.
  app.enableShutdownHooks();
  setupOpenApi(app);
  await startIngestion(app);
  const { PORT, HOST } = app.get(QueryConfig);
  await app.listen(PORT, HOST);
  Logger.log(`audit pipeline (ingestor + query API) listening on http://${HOST}:${PORT}`, 'AllInOne');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'AllInOne');
  process.exit(1);
});
