import 'reflect-metadata';
import { OpsListener } from '@audit/observability';
import { StreamDeliveryHealth } from '@audit/streams';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { StreamDeliveryModule } from './stream-delivery.module';

async function bootstrap(): Promise<void> {
  // No public listener, so no HTTP app: an application context (started once created) whose logs
  // are flushed when the logger is set (an HTTP app would flush them only in listen()). It serves
  // only /metrics and /health/* on its operations listener.
  const app = await NestFactory.createApplicationContext(StreamDeliveryModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM → app.close(): each stream stops sending (what was not acknowledged is sent again by the next run).
  app.enableShutdownHooks();
  const ops = await app.get(OpsListener).listen(app.get(StreamDeliveryHealth));
  Logger.log(`stream delivery running; operations (/metrics, /health/ready) on ${ops}`, 'StreamDelivery');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'StreamDelivery');
  process.exit(1);
});
