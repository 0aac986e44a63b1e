import 'reflect-metadata';
import { QueryConfig, setupOpenApi } from '@audit/query';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { QueryApiModule } from './query-api.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(QueryApiModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.enableShutdownHooks();
  setupOpenApi(app);
  const { PORT, HOST } = app.get(QueryConfig);
  await app.listen(PORT, HOST);
  Logger.log(`query API listening on http://${HOST}:${PORT}`, 'QueryApi');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'QueryApi');
  process.exit(1);
});
