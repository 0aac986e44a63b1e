import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

const root = repoRoot();

type Bytes = string | Buffer | null;

export interface ForeignRecord {
  topic: string;
  partition?: number;
  key: Bytes;
  value: Bytes;
  /** In order; a name may repeat and a value may be any bytes, or null. */
  headers?: Array<[string, Bytes]>;
}

export interface ForeignAck {
  partition: number;
  offset: string;
  /** The record's timestamp: the producer's clock when it was sent (CreateTime), or the broker's (LogAppendTime topics). */
  timestamp: number;
}

export interface ForeignRun {
  /** By send number (the value `send` returned); undefined for a send that failed. */
  acks: Array<ForeignAck | undefined>;
  /** `<n> <error>` for each failed send. */
  failures: string[];
}

const field = (bytes: Bytes) => (bytes === null ? '-' : Buffer.from(bytes).toString('base64'));

/**
 * A script for the Java client Kafka ships (libs/testing/fixtures/ForeignProducer.java), so a test
 * can publish as a Java product service does: any compression codec, idempotence, transactions
 * committed or aborted, binary headers, batches as large as the broker takes. Build the script,
 * then `run` it against a broker; each step is one line the Java program reads.
 */
export class JavaProducerScript {
  private readonly lines: string[] = [];
  private sends = 0;

  /** Creates a producer with these properties (`compression.type`, `enable.idempotence`, `transactional.id`, `batch.size`, …). */
  open(properties: Record<string, string | number | boolean>): this {
    for (const [name, value] of Object.entries(properties)) this.lines.push(`set\t${name}\t${value}`);
    this.lines.push('open');
    return this;
  }

  /** Queues one record; returns its send number. */
  send(record: ForeignRecord): number {
    const headers = (record.headers ?? []).flatMap(([name, value]) => [name, field(value)]);
    this.lines.push(['send', record.topic, record.partition ?? '-', field(record.key), field(record.value), ...headers].join('\t'));
    return this.sends++;
  }

  begin(): this {
    return this.step('begin');
  }

  commit(): this {
    return this.step('commit');
  }

  abort(): this {
    return this.step('abort');
  }

  flush(): this {
    return this.step('flush');
  }

  /** Waits for every send, then closes the producer. */
  close(): this {
    return this.step('close');
  }

  /** Runs the script with `java` (JAVA_HOME's when set) against `brokers`; fails with the program's output if it fails. */
  run(brokers: string[]): Promise<ForeignRun> {
    const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    const args = ['-Xmx256m', '-cp', join(root, 'infra/kafka/.libs/*'), join(root, 'libs/testing/fixtures/ForeignProducer.java'), brokers.join(',')];
    const child = spawn(java, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const output: string[] = [];
    const errors: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => errors.push(chunk));
    child.stdin.end(`${this.lines.join('\n')}\n`);
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => {
        const text = output.join('');
        if (code !== 0) return reject(new Error(`the Java producer exited with ${code}:\n${(text + errors.join('')).slice(-4000)}`));
        const run: ForeignRun = { acks: new Array<ForeignAck | undefined>(this.sends).fill(undefined), failures: [] };
        for (const line of text.split('\n')) {
          const [kind, n, ...rest] = line.split('\t');
          if (kind === 'ack') run.acks[Number(n)] = { partition: Number(rest[0]), offset: rest[1], timestamp: Number(rest[2]) };
          else if (kind === 'fail') run.failures.push(`${n} ${rest.join(' ')}`);
        }
        resolve(run);
      });
    });
  }

  private step(line: string): this {
    this.lines.push(line);
    return this;
  }
}
