import { Controller, Get, Param, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { Writable } from 'node:stream';
import { IngestMetrics } from './metrics/ingest.metrics';
import { ObservabilityModule } from './observability.module';
import { OpsListener } from './ops/ops.listener';

@Controller('v1/things')
class ThingsController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

describe('ObservabilityModule', () => {
  let app: INestApplication;
  let baseUrl: string;
  let opsUrl: string;
  let ready = true;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const moduleRef = await Test.createTestingModule({
      imports: [ObservabilityModule.forRoot({ app: 'test-app', opsPort: 0, opsConfig: { OPS_HOST: '127.0.0.1' }, config: { LOG_LEVEL: 'info' }, defaultMetrics: false, logDestination })],
      controllers: [ThingsController],
    }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    app.useLogger(app.get(Logger));
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    opsUrl = await app.get(OpsListener).listen({ ready: async () => ({ ready, body: { status: ready ? 'ok' : 'unavailable' } }) });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('should serve the registry in the Prometheus text format on GET /metrics of the operations listener', async () => {
    app.get(IngestMetrics).deadLettered('contract', 2);

    const response = await fetch(`${opsUrl}/metrics`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE audit_ingest_dead_letters_total counter');
    expect(text).toContain('audit_ingest_dead_letters_total{reason="contract"} 2');
  });

  it('should time requests by route template, not by raw URL', async () => {
    await fetch(`${baseUrl}/v1/things/abc?actor=someone%40example.test`);
    await fetch(`${baseUrl}/v1/things/def`);
    await fetch(`${baseUrl}/no/such/path/123`);

    const text = await (await fetch(`${opsUrl}/metrics`)).text();

    expect(text).toContain('audit_http_request_duration_seconds_count{method="GET",route="/v1/things/:id",status_code="200"} 2');
    expect(text).toContain('audit_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1');
    expect(text).not.toContain('abc');
  });

  it('should log one JSON line per request with its id, path and status, and no query string or headers', async () => {
    const response = await fetch(`${baseUrl}/v1/things/xyz?actor=someone%40example.test`, { headers: { authorization: 'Bearer secret-token', 'x-request-id': 'req-42' } });
    expect(response.headers.get('x-request-id')).toBe('req-42');

    const line = lines.find((entry) => (entry.req as { id?: string } | undefined)?.id === 'req-42');
    expect(line).toEqual(expect.objectContaining({ level: 'info', app: 'test-app', req: { id: 'req-42', method: 'GET', path: '/v1/things/xyz' }, res: { statusCode: 200 } }));
    const all = JSON.stringify(lines);
    expect(all).not.toContain('secret-token');
    expect(all).not.toContain('someone');
  });

  it('should give a request without a usable id a fresh one', async () => {
    const response = await fetch(`${baseUrl}/v1/things/1`, { headers: { 'x-request-id': 'bad id "forged": {line}' } });

    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should answer liveness and the app’s readiness on the operations listener, and nothing else there', async () => {
    const status = async (path: string, init?: RequestInit) => (await fetch(`${opsUrl}${path}`, init)).status;
    expect(await status('/health/live')).toBe(200);
    expect(await status('/health/ready')).toBe(200);
    ready = false;
    expect(await status('/health/ready')).toBe(503);
    ready = true;
    expect({ other: await status('/v1/things/1'), post: await status('/metrics', { method: 'POST', body: 'x' }) }).toEqual({ other: 404, post: 405 });
  });

  it('should serve neither metrics nor health on the app’s own listener', async () => {
    for (const path of ['/metrics', '/health/live', '/health/ready']) expect({ path, status: (await fetch(`${baseUrl}${path}`)).status }).toEqual({ path, status: 404 });
  });
});
