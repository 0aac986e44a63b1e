import 'reflect-metadata';
import { loadConfig } from '@audit/config';
import { OpsListener, RequestErrorGuard } from '@audit/observability';
import { PublicHttpAdapter, QueryConfig, QueryHealth, setupOpenApi } from '@audit/query';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { QueryApiModule } from './query-api.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(QueryConfig);
  const app = await NestFactory.create(QueryApiModule, new PublicHttpAdapter(config.HTTP_REQUEST_TIMEOUT_MS), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.get(RequestErrorGuard).install();
  app.enableShutdownHooks();
  setupOpenApi(app);
  await app.listen(config.PORT, config.HOST);
  const ops = await app.get(OpsListener).listen(app.get(QueryHealth));
  Logger.log(`query API listening on ${await app.getUrl()}; operations (/metrics, /health/*) on ${ops}`, 'QueryApi');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'QueryApi');
  process.exit(1);
});
