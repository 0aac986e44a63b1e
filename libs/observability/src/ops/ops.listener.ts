import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { OpsConfig } from './ops.config';

/** Whether the app can serve, and what it checked (the body of `/health/ready`). */
export interface Readiness {
  ready: boolean;
  body: Record<string, unknown>;
}

/** What an app checks for `/health/ready` (the query API: ClickHouse and Kafka; the ingestor: its consumer and ClickHouse). */
export interface HealthCheck {
  ready(): Promise<Readiness>;
}

/** Operations requests are tiny and local: a client has this long to send one. */
const REQUEST_TIMEOUT_MS = 10_000;
const HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/**
 * The operations listener: `GET /metrics` (Prometheus) and `GET /health/live`, `/health/ready`, on an
 * interface and port of their own (OPS_HOST, OPS_PORT), so a deployment publishes the API without
 * them and lets only its monitoring reach them. A plain Node server: no body is read, nothing else
 * is routed, and it keeps answering while the public listener is busy. Closed with the app.
 */
@Injectable()
export class OpsListener implements OnApplicationShutdown {
  private readonly logger = new Logger('OpsListener');
  private server: Server | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly config: OpsConfig,
    private readonly defaultPort: number,
  ) {}

  /** Starts listening; resolves with its URL. Without a check, the app is ready once it is live. */
  async listen(health: HealthCheck = { ready: async () => ({ ready: true, body: { status: 'ok' } }) }): Promise<string> {
    const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS }, (request, response) => void this.answer(health, request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.OPS_PORT ?? this.defaultPort, this.config.OPS_HOST, () => resolve());
    });
    const { address, family, port } = server.address() as AddressInfo;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private async answer(health: HealthCheck, request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') return this.send(response, 405, { statusCode: 405, code: 'method_not_allowed', message: 'GET or HEAD only' }, { Allow: 'GET, HEAD' });
      if (path === '/metrics') return this.send(response, 200, await this.registry.metrics(), { 'Content-Type': this.registry.contentType });
      if (path === '/health/live') return this.send(response, 200, { status: 'ok' });
      if (path === '/health/ready') {
        const { ready, body } = await health.ready();
        return this.send(response, ready ? 200 : 503, body);
      }
      this.send(response, 404, { statusCode: 404, code: 'not_found', message: 'no such endpoint (this listener serves /metrics and /health/*)' });
    } catch (error) {
      this.logger.error(`an operations request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (response.headersSent) response.destroy();
      else this.send(response, 503, { statusCode: 503, code: 'unavailable', message: 'the check failed' });
    }
  }

  private send(response: ServerResponse, status: number, body: string | object, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    response.writeHead(status, { ...HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
    response.end(text);
  }
}
