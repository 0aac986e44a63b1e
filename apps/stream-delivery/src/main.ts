import 'reflect-metadata';
import { OpsListener } from '@audit/observability';
import { StreamDeliveryHealth } from '@audit/streams';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { StreamDeliveryModule } from './stream-delivery.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(StreamDeliveryModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM → app.close(): each stream stops sending (what was not acknowledged is sent again by the next run).
  app.enableShutdownHooks();
  // No public listener: the delivery serves only /metrics and /health/* on its operations listener.
  await app.init();
  const ops = await app.get(OpsListener).listen(app.get(StreamDeliveryHealth));
  Logger.log(`stream delivery running; operations (/metrics, /health/ready) on ${ops}`, 'StreamDelivery');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'StreamDelivery');
  process.exit(1);
});
