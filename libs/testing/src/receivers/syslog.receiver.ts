import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { DeliveryLedger } from './delivery.ledger';
import { closeServer, listen } from './listen';

/** One RFC 5424 message as received. */
export interface SyslogMessage {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  msgId: string;
  structuredData: string;
  msg: string;
}

const HEADER = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+) ?([\s\S]*)$/;

/**
 * A syslog collector: TCP (or TLS) with RFC 6587 octet-counting framing (`LEN SP MSG`), each
 * message parsed as RFC 5424; the MSG (after its BOM) is the stream's JSON item. A frame that is
 * not octet-counted or a message that does not parse closes the connection, as collectors do.
 */
export class SyslogReceiver {
  readonly ledger = new DeliveryLedger();
  readonly messages: SyslogMessage[] = [];
  malformed = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly tls?: { key: string; cert: string }) {}

  async start(): Promise<this> {
    const onSocket = (socket: Socket) => this.read(socket);
    this.server = this.tls ? createTlsServer({ key: this.tls.key, cert: this.tls.cert }, onSocket) : createTcpServer(onSocket);
    this.port = await listen(this.server, this.port);
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await closeServer(server);
  }

  private read(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const space = pending.indexOf(0x20);
        if (space === -1) return;
        const length = Number(pending.subarray(0, space).toString());
        if (!Number.isSafeInteger(length) || length <= 0) return this.refuse(socket);
        if (pending.length < space + 1 + length) return;
        const text = pending.subarray(space + 1, space + 1 + length).toString('utf8');
        pending = pending.subarray(space + 1 + length);
        const match = HEADER.exec(text);
        if (!match) return this.refuse(socket);
        const message: SyslogMessage = { pri: Number(match[1]), version: Number(match[2]), timestamp: match[3], hostname: match[4], appName: match[5], msgId: match[7], structuredData: match[8], msg: match[9].replace(/^\uFEFF/, '') };
        this.messages.push(message);
        this.ledger.item(JSON.parse(message.msg) as Record<string, unknown>);
      }
    });
    socket.on('error', () => socket.destroy());
  }

  private refuse(socket: Socket): void {
    this.malformed += 1;
    socket.destroy();
  }
}
