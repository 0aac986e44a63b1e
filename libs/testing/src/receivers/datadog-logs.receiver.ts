import { HttpReceiver, type ReceivedRequest, type Reply } from './http.receiver';

const MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;
const MAX_ENTRIES = 1000;

/**
 * Datadog's logs intake v2 as documented: `POST /api/v2/logs`, `DD-API-KEY`, a JSON array of at
 * most 1,000 log entries and 5 MB uncompressed; answers 202 `{}`, or 400 (bad payload), 401 (no
 * key), 403 (invalid key), 413 (payload too large) — and 429 when `limit()` turns rate limiting on.
 */
export class DatadogLogsReceiver extends HttpReceiver {
  constructor(readonly apiKey: string) {
    super();
  }

  /** For a while: too many requests (429 with `Retry-After`). */
  limit(on: boolean, retryAfterSeconds = 1): void {
    this.behaviour.reply = on ? () => ({ status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, body: '{"errors":["Too many requests"]}' }) : undefined;
  }

  protected handle({ path, headers, body }: ReceivedRequest): Reply {
    if (path.split('?')[0] !== '/api/v2/logs') return { status: 404, body: '{"errors":["Not found"]}' };
    const key = headers['dd-api-key'];
    if (!key) return { status: 401, body: '{"errors":["Unauthorized"]}' };
    if (key !== this.apiKey) return { status: 403, body: '{"errors":["Forbidden"]}' };
    if (body.length > MAX_PAYLOAD_BYTES) return { status: 413, body: '{"errors":["Payload too large"]}' };
    let entries: unknown;
    try {
      entries = JSON.parse(body.toString());
    } catch {
      return { status: 400, body: '{"errors":["Bad request"]}' };
    }
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) return { status: 400, body: '{"errors":["Bad request"]}' };
    const now = Date.now();
    for (const entry of entries as Array<Record<string, unknown>>) {
      if (typeof entry.message !== 'string') return { status: 400, body: '{"errors":["Bad request"]}' };
      const { ddsource: _source, service: _service, hostname: _hostname, ddtags: _tags, message: _message, ...item } = entry;
      this.ledger.item(item, now);
    }
    return { status: 202, body: '{}' };
  }
}
