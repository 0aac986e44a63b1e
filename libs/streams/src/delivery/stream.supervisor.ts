import type { ConsumerLagReader } from '@audit/kafka';
import type { StreamMetrics, StreamSample } from '@audit/observability';
import { Logger } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { DestinationFactory } from '../destinations/destination.factory';
import type { SecretCipher } from '../definition/secret.cipher';
import type { StreamStatus } from '../definition/stream-definition';
import type { StreamStore } from '../definition/stream.store';
import type { RecordFormatterPool } from '../projection/record-formatter.pool';
import type { BackfillReader } from './backfill.reader';
import { StreamRunner, type RunnerSettings } from './stream.runner';

export interface SupervisorSettings extends Omit<RunnerSettings, 'groupId'> {
  groupPrefix: string;
  statusIntervalMs: number;
}

export interface SupervisorDeps {
  kafka: Kafka;
  admin: Admin;
  store: StreamStore;
  destinations: DestinationFactory;
  /** Opens destination secrets; without it no stream can run (the status says so). */
  cipher?: SecretCipher;
  backfill?: BackfillReader;
  /** Threads that decode, filter and serialize every stream's records (absent: on the delivery's thread). */
  formatter?: RecordFormatterPool;
  lag: Pick<ConsumerLagReader, 'read'>;
  metrics?: StreamMetrics;
}

/** Fields of a status that matter for publishing it again (the time of the snapshot does not). */
const substance = ({ updatedAt: _updatedAt, lag, ...rest }: StreamStatus) => JSON.stringify({ ...rest, lag: lag && { records: lag.records, seconds: Math.round(lag.seconds) } });

/**
 * Runs every stream the definitions topic holds: one {@link StreamRunner} per active stream,
 * restarted when its definition's version moves, stopped when it is paused or deleted (a deleted
 * stream's consumer group and status go too). Publishes each stream's status (state, counts, last
 * error, lag) every `statusIntervalMs` when it changed, and at least once a minute.
 */
export class StreamSupervisor {
  private readonly logger = new Logger(StreamSupervisor.name);
  private readonly runners = new Map<string, StreamRunner>();
  /** Changes of one stream are applied one after another. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly published = new Map<string, { substance: string; at: number }>();
  private readonly lagRecords = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly settings: SupervisorSettings,
    private readonly deps: SupervisorDeps,
  ) {}

  async start(): Promise<void> {
    const { store } = this.deps;
    store.definitions.onChange((id) => this.reconcile(id));
    for (const definition of store.definitions.values()) this.reconcile(definition.id);
    // Statuses of streams deleted while no delivery ran.
    for (const status of store.statuses.values()) if (!store.definitions.get(status.streamId)) this.reconcile(status.streamId);
    this.deps.metrics?.track(() => this.samples());
    this.timer = setInterval(() => void this.publishStatuses(), this.settings.statusIntervalMs);
    this.timer.unref();
    this.logger.log(`delivering ${this.runners.size} stream(s) from ${this.settings.topic}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.all(this.chains.values());
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    await this.publishStatuses(true);
    this.runners.clear();
  }

  /** Streams being delivered now. */
  running(): number {
    return this.runners.size;
  }

  /** The runner of a stream, for tests and status. */
  runner(id: string): StreamRunner | undefined {
    return this.runners.get(id);
  }

  private reconcile(id: string): void {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(() => this.apply(id)).catch((error: unknown) => this.logger.error(`stream ${id}: ${error instanceof Error ? error.message : String(error)}`));
    this.chains.set(id, next);
  }

  private async apply(id: string): Promise<void> {
    if (this.stopping) return;
    const definition = this.deps.store.definitions.get(id);
    const runner = this.runners.get(id);
    if (runner && definition && !definition.paused && runner.definition.version === definition.version) return;
    if (runner) {
      this.runners.delete(id);
      await runner.stop();
      await this.publish(runner.status());
    }
    if (!definition) return this.forget(id);
    const previous = this.deps.store.statuses.get(id);
    if (definition.paused) {
      if (previous?.state !== 'paused') await this.publish({ ...(previous ?? emptyStatus(id)), state: 'paused', lag: undefined, updatedAt: new Date().toISOString() });
      return;
    }
    let secret: string | undefined;
    try {
      if (definition.sealedSecret) {
        if (!this.deps.cipher) throw new Error('STREAMS_SECRET_KEY is not set: destination secrets cannot be opened');
        secret = this.deps.cipher.open(definition.sealedSecret, id);
      }
      const started = new StreamRunner(definition, { ...this.settings, groupId: this.groupId(id) }, {
        kafka: this.deps.kafka,
        admin: this.deps.admin,
        destination: this.deps.destinations.create(definition, secret),
        backfill: this.deps.backfill,
        formatter: this.deps.formatter,
        previous,
        persist: (status) => this.publish(status),
        metrics: this.deps.metrics && {
          delivered: (events, latencies) => {
            this.deps.metrics?.delivered.inc({ stream: id }, events);
            for (const latency of latencies) this.deps.metrics?.latency.observe({ destination: definition.destination.type }, latency / 1000);
          },
          failed: () => this.deps.metrics?.failures.inc({ stream: id }),
        },
      });
      this.runners.set(id, started);
      started.start();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.publish({ ...(previous ?? emptyStatus(id)), state: 'failing', lastError: { at: new Date().toISOString(), message }, updatedAt: new Date().toISOString() });
      this.logger.error(`stream ${id} not started: ${message}`);
    }
  }

  /** A deleted stream: its consumer group and its status go. */
  private async forget(id: string): Promise<void> {
    this.published.delete(id);
    this.lagRecords.delete(id);
    if (this.deps.store.statuses.get(id)) await this.deps.store.statuses.put(id, null);
    await this.deps.admin.deleteGroups([this.groupId(id)]).catch(() => undefined);
  }

  private groupId(id: string): string {
    return `${this.settings.groupPrefix}${id}`;
  }

  private async publish(status: StreamStatus): Promise<void> {
    await this.deps.store.statuses.put(status.streamId, status);
    this.published.set(status.streamId, { substance: substance(status), at: Date.now() });
  }

  private async publishStatuses(force = false): Promise<void> {
    for (const [id, runner] of this.runners) {
      try {
        const partitions = await this.deps.lag.read(this.groupId(id), this.settings.topic, { withAge: false });
        this.lagRecords.set(id, partitions.reduce((sum, partition) => sum + partition.lagMessages, 0));
      } catch {
        // The lag stays as last read; the status goes out anyway.
      }
      const status = { ...runner.status(), lag: runner.lag(this.lagRecords.get(id) ?? 0) };
      const last = this.published.get(id);
      if (!force && last && last.substance === substance(status) && Date.now() - last.at < 60_000) continue;
      await this.publish(status).catch((error: unknown) => this.logger.warn(`status of ${id} not published: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  private samples(): StreamSample[] {
    return [...this.runners.entries()].map(([id, runner]) => {
      const lag = runner.lag(this.lagRecords.get(id) ?? 0);
      return { stream: id, state: runner.status().state, lagRecords: lag.records, lagEvents: lag.events, lagSeconds: lag.seconds };
    });
  }
}

function emptyStatus(streamId: string): StreamStatus {
  return { streamId, state: 'starting', delivered: 0, batches: 0, failedAttempts: 0, duplicatesDropped: 0, gaps: 0, eventsPerRecord: 1, updatedAt: new Date().toISOString() };
}

