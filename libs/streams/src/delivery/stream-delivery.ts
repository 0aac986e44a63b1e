import type { ConsumerLagReader } from '@audit/kafka';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { RecordFormatterPool } from '../projection/record-formatter.pool';
import type { StreamSupervisor } from './stream.supervisor';

/** Starts delivery after the app is up, stops it before the Kafka clients close. */
export class StreamDelivery implements OnApplicationBootstrap, BeforeApplicationShutdown {
  started = false;

  constructor(
    readonly supervisor: StreamSupervisor,
    private readonly lag: ConsumerLagReader,
    private readonly formatter?: RecordFormatterPool,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.supervisor.start();
    this.started = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.supervisor.stop();
    await this.lag.close();
    await this.formatter?.close();
  }
}

