import 'reflect-metadata';
import { QueryConfig } from '@audit/query';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QueryApiModule } from './query-api.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(QueryApiModule);
  app.enableShutdownHooks();
  const { PORT, HOST } = app.get(QueryConfig);
  await app.listen(PORT, HOST);
  Logger.log(`query API listening on http://${HOST}:${PORT}`, 'QueryApi');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'QueryApi');
  process.exit(1);
});
