import 'reflect-metadata';
import { loadConfig } from '@audit/config';
import { OpsListener } from '@audit/observability';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ExampleConfig } from './example.config';
import { ExampleModule } from './example.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(ExampleConfig);
  const app = await NestFactory.create(ExampleModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // On SIGTERM Nest closes the app; AuditModule then flushes the producer before disconnecting.
  app.enableShutdownHooks();
  await app.listen(config.EXAMPLE_PORT, config.EXAMPLE_HOST);
  const ops = await app.get(OpsListener).listen();
  Logger.log(`example service on http://${config.EXAMPLE_HOST}:${config.EXAMPLE_PORT}; operations (/metrics, /health/*) on ${ops}`, 'ExampleService');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'ExampleService');
  process.exit(1);
});
