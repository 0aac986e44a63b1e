import { HttpReceiver, type ReceivedRequest, type Reply } from './http.receiver';

const hec = (status: number, text: string, code: number): Reply => ({ status, body: JSON.stringify({ text, code }) });

/** The objects of an HEC body: JSON objects one after another (whitespace between allowed). */
function hecObjects(text: string): Array<Record<string, unknown>> {
  const objects: Array<Record<string, unknown>> = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (inString) {
      if (char === '\\') at++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{') {
      if (depth++ === 0) start = at;
    } else if (char === '}' && --depth === 0) objects.push(JSON.parse(text.slice(start, at + 1)) as Record<string, unknown>);
    else if (depth === 0 && !/\s/.test(char)) throw new Error('not JSON objects');
  }
  if (depth !== 0) throw new Error('cut short');
  return objects;
}

/**
 * Splunk's HTTP Event Collector as documented: `POST /services/collector/event`, `Authorization:
 * Splunk <token>`, a body of event objects each with a non-empty `event`; answers 200
 * `{"text":"Success","code":0}`, or its error codes — 401 code 2 (token required) / 3 (invalid
 * authorization), 403 code 4 (invalid token), 400 code 5 (no data), 6 (invalid data format),
 * 12 (event field required), 13 (event field blank), and 503 code 9 (server busy).
 */
export class SplunkHecReceiver extends HttpReceiver {
  constructor(readonly token: string) {
    super();
  }

  /** For a while: the collector is busy (503, code 9), as HEC answers when its queues are full. */
  busy(on: boolean): void {
    this.behaviour.reply = on ? () => hec(503, 'Server is busy', 9) : undefined;
  }

  protected handle({ path, headers, body }: ReceivedRequest): Reply {
    if (path !== '/services/collector/event') return hec(404, 'The requested URL was not found on this server.', 404);
    const authorization = headers.authorization;
    if (!authorization) return hec(401, 'Token is required', 2);
    if (!/^Splunk \S+$/.test(authorization)) return hec(401, 'Invalid authorization', 3);
    if (authorization !== `Splunk ${this.token}`) return hec(403, 'Invalid token', 4);
    const text = body.toString();
    if (text.trim() === '') return hec(400, 'No data', 5);
    let objects: Array<Record<string, unknown>>;
    try {
      objects = hecObjects(text);
    } catch {
      return hec(400, 'Invalid data format', 6);
    }
    for (const [index, object] of objects.entries()) {
      if (!('event' in object)) return { status: 400, body: JSON.stringify({ text: 'Event field is required', code: 12, 'invalid-event-number': index }) };
      if (object.event === '' || object.event === null) return { status: 400, body: JSON.stringify({ text: 'Event field cannot be blank', code: 13, 'invalid-event-number': index }) };
      if (typeof object.time !== 'number' || typeof object.sourcetype !== 'string') return hec(400, 'Invalid data format', 6);
    }
    const now = Date.now();
    for (const object of objects) this.ledger.item(object.event as Record<string, unknown>, now);
    return hec(200, 'Success', 0);
  }
}
