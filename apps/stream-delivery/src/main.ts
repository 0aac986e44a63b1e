import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { StreamDeliveryModule } from './stream-delivery.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(StreamDeliveryModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM → app.close(): each stream stops sending (what was not acknowledged is sent again by the next run).
  app.enableShutdownHooks();
  const port = Number(process.env.STREAM_DELIVERY_PORT ?? 3002);
  await app.listen(port, process.env.STREAM_DELIVERY_HOST ?? '127.0.0.1');
  Logger.log(`stream delivery running; health on ${await app.getUrl()}/health/ready`, 'StreamDelivery');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'StreamDelivery');
  process.exit(1);
});
