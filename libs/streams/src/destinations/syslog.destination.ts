import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import { batchItems } from '../format/batch.items';
import type { DeliveryBatch } from '../format/delivery-batch';
import type { SyslogDestination as SyslogSettings } from '../definition/stream-definition';
import type { AddressPolicy } from './address.policy';
import { DeliveryError } from './delivery.error';
import type { Destination } from './destination';
import { octetCounted, syslogMessage } from './syslog.frame';

export interface SyslogOptions {
  policy: AddressPolicy;
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM) for TLS. */
  ca?: string;
}

/**
 * Syslog over TCP (RFC 6587 octet counting), TLS when the stream asks for it (RFC 5425), one
 * RFC 5424 message per item (`syslog.frame.ts`) on one kept-open connection. Syslog has no
 * application acknowledgement: a batch counts as delivered once the socket has taken all its bytes
 * (`write` called back); a connection that fails before is closed and the batch re-sent on a new one.
 * Bytes the kernel had taken when the receiver died are lost with the connection — the
 * receiver-side guarantee is the transport's, not this stream's (HTTP destinations acknowledge).
 */
export class SyslogDestination implements Destination {
  readonly limits = { maxItems: 500, maxBytes: 1024 * 1024 };
  private socket?: Socket;
  private connecting?: Promise<Socket>;

  constructor(
    private readonly settings: SyslogSettings,
    private readonly options: SyslogOptions,
  ) {}

  async send(batch: DeliveryBatch): Promise<void> {
    const appName = this.settings.appName ?? 'audit-pipeline';
    const frames = Buffer.concat(batchItems(batch).map((item) => octetCounted(syslogMessage(item, appName))));
    const socket = await this.connection();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new DeliveryError(`syslog ${this.settings.host}:${this.settings.port}: the write did not complete within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
        const failed = (error: Error) => {
          clearTimeout(timer);
          reject(new DeliveryError(`syslog ${this.settings.host}:${this.settings.port}: ${error.message}`));
        };
        socket.once('error', failed);
        socket.write(frames, (error) => {
          clearTimeout(timer);
          socket.off('error', failed);
          if (error) failed(error);
          else resolve();
        });
      });
    } catch (error) {
      this.drop(socket);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.socket) this.drop(this.socket);
  }

  private connection(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private open(): Promise<Socket> {
    const { host, port, tls } = this.settings;
    this.options.policy.checkHost(host);
    return new Promise<Socket>((resolve, reject) => {
      const options = { host, port, lookup: this.options.policy.lookup };
      const socket = tls
        ? tlsConnect({ ...options, ...(isIP(host) === 0 && { servername: host }), ...(this.options.ca && { ca: [...rootCertificates, this.options.ca] }) })
        : tcpConnect(options);
      const timer = setTimeout(() => socket.destroy(new DeliveryError(`syslog ${host}:${port}: no connection within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        // A connection the receiver closes is replaced at the next batch.
        socket.on('error', () => this.drop(socket));
        socket.on('close', () => this.socket === socket && (this.socket = undefined));
        // Whatever a receiver writes back is not read (syslog has no replies).
        socket.resume();
        this.socket = socket;
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error instanceof DeliveryError ? error : new DeliveryError(`syslog ${host}:${port}: ${error.message}`));
      });
    });
  }

  private drop(socket: Socket): void {
    socket.destroy();
    if (this.socket === socket) this.socket = undefined;
  }
}
