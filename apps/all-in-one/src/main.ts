import 'reflect-metadata';
import { QueryConfig } from '@audit/query';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AllInOneModule } from './all-in-one.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AllInOneModule);
  app.enableShutdownHooks();
  const { PORT, HOST } = app.get(QueryConfig);
  await app.listen(PORT, HOST);
  Logger.log(`audit pipeline (ingestor + query API) listening on http://${HOST}:${PORT}`, 'AllInOne');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'AllInOne');
  process.exit(1);
});
