import 'reflect-metadata';
import { loadConfig } from '@audit/config';
import { startIngestion } from '@audit/ingest';
import { OpsListener, RequestErrorGuard } from '@audit/observability';
import { PublicHttpAdapter, QueryConfig, QueryHealth, setupOpenApi } from '@audit/query';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AllInOneModule } from './all-in-one.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(QueryConfig);
  const app = await NestFactory.create(AllInOneModule, new PublicHttpAdapter(config.HTTP_REQUEST_TIMEOUT_MS), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.get(RequestErrorGuard).install();
  // SIGTERM → app.close(): the ingest transport flushes and commits, then ClickHouse closes.
  app.enableShutdownHooks();
  setupOpenApi(app);
  await startIngestion(app);
  await app.listen(config.PORT, config.HOST);
  const ops = await app.get(OpsListener).listen(app.get(QueryHealth));
  Logger.log(`audit pipeline (ingestor + query API) listening on ${await app.getUrl()}; operations (/metrics, /health/*) on ${ops}`, 'AllInOne');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'AllInOne');
  process.exit(1);
});
