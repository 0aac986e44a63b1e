import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { AddressPolicy } from './address.policy';
import { DeliveryError, retryAfterMs } from './delivery.error';

export interface HttpTransportOptions {
  policy: AddressPolicy;
  /** Whole request, connect to last response byte. */
  timeoutMs: number;
  /** Response bytes read at most; the rest is cut (a destination cannot make this server buffer much). */
  maxResponseBytes: number;
  /** Extra trusted CA certificates (PEM), besides Node's roots. */
  ca?: string;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * POSTs for HTTP destinations, with the guards a tenant-controlled URL needs: every connection's
 * address checked by the {@link AddressPolicy} (on the resolved address, at connect time), plain
 * HTTP only to allow-listed addresses, no redirects followed, a timeout over the whole request and a
 * cap on the response read. Connections are kept alive per process.
 */
export class HttpTransport {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(private readonly options: HttpTransportOptions) {
    const common = { keepAlive: true, maxSockets: 4 };
    this.http = new HttpAgent({ ...common, lookup: options.policy.allowListedLookup });
    this.https = new HttpsAgent({ ...common, lookup: options.policy.lookup, ...(options.ca && { ca: [...rootCertificates, options.ca] }) });
  }

  /** Resolves with any answer (the caller judges its status); throws a DeliveryError when none came. */
  post(url: URL, headers: Record<string, string>, body: Buffer): Promise<HttpAnswer> {
    const secure = url.protocol === 'https:';
    this.options.policy.checkHost(url.hostname, !secure);
    const send = secure ? httpsRequest : httpRequest;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const request = send(url, { method: 'POST', agent: secure ? this.https : this.http, headers: { ...headers, 'content-length': String(body.length) } }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size >= this.options.maxResponseBytes) return;
          chunks.push(chunk.subarray(0, this.options.maxResponseBytes - size));
          size += chunk.length;
        });
        response.once('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        response.once('error', fail);
      });
      const timer = setTimeout(() => request.destroy(new DeliveryError(`no complete answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      function fail(error: Error) {
        clearTimeout(timer);
        reject(error instanceof DeliveryError ? error : new DeliveryError(`${url.host}: ${error.message}`));
      }
      request.once('error', fail);
      request.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * The verdict on an answer for destinations that acknowledge with 2xx: throws a DeliveryError for
 * anything else — a redirect is not followed, 413 asks for a smaller batch, 429 and 503 may say
 * when to come back. `describe` turns the body into the error's words (e.g. Splunk's `text`).
 */
export function acknowledged(answer: HttpAnswer, describe: (body: string) => string = (body) => body.slice(0, 200)): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const statusCode = answer.status;
  if (statusCode >= 300 && statusCode < 400) throw new DeliveryError(`HTTP ${statusCode}: redirects are not followed (Location: ${answer.headers.location ?? 'none'})`, { statusCode });
  const words = describe(answer.body).trim();
  throw new DeliveryError(`HTTP ${statusCode}${words ? `: ${words}` : ''}`, {
    statusCode,
    tooLarge: statusCode === 413,
    retryAfterMs: statusCode === 429 || statusCode === 503 ? retryAfterMs(answer.headers['retry-after']) : undefined,
  });
}

/** A destination's base URL with the endpoint's path appended, unless the URL already names it. */
export function endpointUrl(base: string, path: string): URL {
  const url = new URL(base);
  if (!url.pathname.includes(path)) url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
  return url;
}
