import { createKafka, KafkaConfig } from '@audit/kafka';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';

const CHECK_TIMEOUT_MS = 3_000;

/** Whether the brokers answer (the query API needs them to record reads). One admin client, reused. */
@Injectable()
export class KafkaHealth implements OnApplicationShutdown {
  private admin: Admin | undefined;

  constructor(private readonly config: KafkaConfig) {}

  async check(): Promise<boolean> {
    this.admin ??= createKafka({ brokers: this.config.brokers, clientId: `${this.config.KAFKA_CLIENT_ID}-query-health` }).admin();
    const admin = this.admin;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        admin.connect().then(() => admin.describeCluster()),
        new Promise((_resolve, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS))),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect();
  }
}
