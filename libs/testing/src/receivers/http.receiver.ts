import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DeliveryLedger } from './delivery.ledger';
import { closeServer, listen } from './listen';

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** How the receiver behaves now: a reply to force (an outage answer), and a delay before answering. */
export interface Behaviour {
  reply?: (request: ReceivedRequest) => Reply | undefined;
  delayMs?: number;
}

/**
 * A local HTTP server standing in for a destination: `handle` implements the destination's
 * documented request format and answers as it does; `behave` makes it answer errors, rate limits or
 * slowly for a while; `stop`/`start` take it down and bring it back on the same port. Every item
 * it accepts goes to its {@link DeliveryLedger}.
 */
export abstract class HttpReceiver {
  readonly ledger = new DeliveryLedger();
  readonly requests: ReceivedRequest[] = [];
  behaviour: Behaviour = {};
  private server?: Server;
  port = 0;

  /** Answers a request in the destination's way; calls `this.ledger` for what it accepts. */
  protected abstract handle(request: ReceivedRequest): Reply;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    // A request cut off by `stop` (its body unread: 'aborted') is one the sender never got an answer
    // to and sends again; it must not surface as an unhandled rejection of whichever test runs.
    this.server = createServer((request, response) => void this.serve(request, response).catch(() => response.destroy()));
    this.port = await listen(this.server, this.port);
    return this;
  }

  /** Closes the port and every open connection (a receiver that is down). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await closeServer(server);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const received: ReceivedRequest = { path: request.url ?? '/', headers: request.headers, body: Buffer.concat(chunks) };
    if (this.behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, this.behaviour.delayMs));
    const reply = this.behaviour.reply?.(received) ?? this.accept(received);
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body ?? '');
  }

  private accept(request: ReceivedRequest): Reply {
    this.requests.push(request);
    try {
      return this.handle(request);
    } catch (error) {
      return { status: 400, body: JSON.stringify({ error: (error as Error).message }) };
    }
  }
}
