import type { AuditEvent, TopDimension, TopValue } from '@audit/contract';

export type { TopDimension, TopValue } from '@audit/contract';
import { apiFilterParams, PAGE_SIZE, type AuditFilters, type ViewWindow } from '../filters/audit-filters';

/** An event as the list shows it: `idConflict` when its organization stored other content under the same id and time. */
export type ShownEvent = AuditEvent & { idConflict?: true };

export interface AuditPage {
  data: ShownEvent[];
  nextCursor: string | null;
  prevCursor: string | null;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface AuditFacets {
  resourceType: FacetCount[];
  action: FacetCount[];
  status: FacetCount[];
}

export interface AuditHistogram {
  interval: string;
  window: ViewWindow;
  /** Every bucket of the window, oldest first (start ISO-8601), empty ones with 0. */
  buckets: Array<{ start: string; count: number }>;
}


export type ExportFormat = 'csv' | 'ndjson';

/** An active legal hold as `GET /v1/audit-logs/retention` lists it. */
export interface LegalHold {
  holdId: string;
  window: { from?: string; to?: string } | null;
  reason: string;
  placedBy: { email: string; role: string };
  placedAt: string;
}

/** The organization's retention and what keeps its events longer. */
export interface Retention {
  retentionDays: number;
  source: 'default' | 'override';
  expiredThrough: { chainSeq: number; expiredAt: string } | null;
  activeHolds: LegalHold[];
}

/** A stream as `GET /v1/streams` shows it (its secret never). */
export interface StreamSummary {
  id: string;
  name: string;
  destination: { type: 'webhook' | 'splunk' | 'datadog' | 'syslog'; url?: string; host?: string; port?: number };
  format: 'v1' | 'ocsf';
  paused: boolean;
  status: {
    state: 'starting' | 'backfilling' | 'active' | 'failing' | 'paused';
    delivered: number;
    lastError?: { at: string; message: string };
    lastDeliveredAt?: string;
    lag?: { records: number; events: number; seconds: number };
    stale: boolean;
  };
}

export interface StreamTestResult {
  ok: boolean;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/** An answer other than 2xx, carrying the server's own words (`{ statusCode, code, message, field? }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { code?: string; error?: string; message?: string | string[]; field?: string };
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    return new ApiError(response.status, body.code ?? body.error ?? String(response.status), message || response.statusText, body.field);
  } catch {
    return new ApiError(response.status, String(response.status), text.trim() || response.statusText || `HTTP ${response.status}`);
  }
}

/** The query API as the page uses it: same origin, bearer token, errors thrown as ApiError. */
export class AuditApiClient {
  constructor(
    private readonly token: string,
    private readonly baseUrl = '',
  ) {}

  async list(filters: AuditFilters, viewWindow: ViewWindow, cursor: string, signal?: AbortSignal): Promise<AuditPage> {
    const params = apiFilterParams(filters, viewWindow);
    params.set('limit', String(PAGE_SIZE));
    if (cursor) params.set('cursor', cursor);
    return (await this.get(`/v1/audit-logs?${params}`, signal)).json() as Promise<AuditPage>;
  }

  /** Counts per resource type, action and status; the resource-type filter is left out so every type keeps its count. */
  async facets(filters: AuditFilters, viewWindow: ViewWindow, signal?: AbortSignal): Promise<AuditFacets> {
    return (await this.get(`/v1/audit-logs/facets?${apiFilterParams(filters, viewWindow, { omitResourceTypes: true })}`, signal)).json() as Promise<AuditFacets>;
  }

  async retention(signal?: AbortSignal): Promise<Retention> {
    return (await this.get('/v1/audit-logs/retention', signal)).json() as Promise<Retention>;
  }

  /** Events per time bucket of the view (automatic width), for the bars above the table. */
  async histogram(filters: AuditFilters, viewWindow: ViewWindow, signal?: AbortSignal): Promise<AuditHistogram> {
    return (await this.get(`/v1/audit-logs/histogram?${apiFilterParams(filters, viewWindow)}`, signal)).json() as Promise<AuditHistogram>;
  }

  /** The most frequent values of one dimension in the view, with counts and distinct actors. */
  async top(filters: AuditFilters, viewWindow: ViewWindow, by: TopDimension, limit: number, signal?: AbortSignal): Promise<TopValue[]> {
    const params = apiFilterParams(filters, viewWindow);
    params.set('by', by);
    params.set('limit', String(limit));
    return ((await (await this.get(`/v1/audit-logs/top?${params}`, signal)).json()) as { values: TopValue[] }).values;
  }

  /**
   * Downloads the export of the current filters. The token must not appear in a URL, so the file
   * is fetched with the Authorization header and handed to the browser as a blob.
   */
  async export(filters: AuditFilters, viewWindow: ViewWindow, format: ExportFormat): Promise<{ blob: Blob; fileName: string }> {
    const params = apiFilterParams(filters, viewWindow);
    params.set('format', format);
    const response = await this.get(`/v1/audit-logs/export?${params}`);
    const disposition = response.headers.get('content-disposition') ?? '';
    const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `audit-logs-${viewWindow.to.slice(0, 10)}.${format}`;
    return { blob: await response.blob(), fileName };
  }

  /** The organization's outbound streams (`/v1/streams`). */
  async streams(signal?: AbortSignal): Promise<StreamSummary[]> {
    return ((await (await this.get('/v1/streams', signal)).json()) as { data: StreamSummary[] }).data;
  }

  /** Pauses or resumes a stream; every change is itself audited by the API. */
  async setStreamPaused(id: string, paused: boolean): Promise<StreamSummary> {
    return (await this.send('POST', `/v1/streams/${encodeURIComponent(id)}/${paused ? 'pause' : 'resume'}`)).json() as Promise<StreamSummary>;
  }

  /** Sends one test event to the stream's destination and says how it answered. */
  async testStream(id: string): Promise<StreamTestResult> {
    return (await this.send('POST', `/v1/streams/${encodeURIComponent(id)}/test`)).json() as Promise<StreamTestResult>;
  }

  private get(path: string, signal?: AbortSignal): Promise<Response> {
    return this.send('GET', path, signal);
  }

  private async send(method: 'GET' | 'POST', path: string, signal?: AbortSignal): Promise<Response> {
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' }, signal });
    if (!response.ok) throw await toApiError(response);
    return response;
  }
}
