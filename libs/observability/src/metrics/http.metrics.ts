import { Histogram, type Registry } from 'prom-client';

/** Request latency of the query API: tens of milliseconds for a page, up to minutes for an export. */
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** HTTP latency by endpoint. `route` is the route template (`/v1/audit-logs/export`), never the raw URL. */
export class HttpMetrics {
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(registry: Registry) {
    this.requestDuration = new Histogram({
      name: 'audit_http_request_duration_seconds',
      help: 'HTTP request duration until the response finished, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers: [registry],
    });
  }

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }
}
