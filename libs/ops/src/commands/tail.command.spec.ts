import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { captureIo } from '../../test/capture.io';
import { runCli } from '../cli';

/** A stand-in for the query API's tail endpoint: the CLI's polling and retrying is what is under test. */
type Handler = (request: IncomingMessage, response: ServerResponse, after: string | null) => void;

const event = (n: number) => ({
  id: `0190a8f4-3b1c-7cde-8f00-00000000000${n}`,
  occurredAt: `2026-11-01T10:00:0${n}.000Z`,
  organizationId: 'org_1',
  chainSeq: n,
  action: 'update',
  status: 'success',
  actor: { id: 'user_1', email: 'ada@example.com' },
  resource: { type: 'Member', id: `member_${n}` },
});

/** Pages of two events each, cursor `c<n>` after the n-th event; caught up after the fourth. */
const pages: Handler = (_request, response, after) => {
  const from = after === null ? 0 : Number(after.slice(1));
  const data = [from + 1, from + 2].filter((n) => n <= 4).map(event);
  const next = `c${from + data.length}`;
  response.setHeader('Content-Type', 'application/json');
  response.end(JSON.stringify({ data, next, hasMore: from + data.length < 4 }));
};

describe('audit tail', () => {
  let server: Server;
  let handler: Handler;
  let url: string;
  const asked: Array<string | null> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const after = new URL(request.url!, 'http://x').searchParams.get('after');
      asked.push(after);
      handler(request, response, after);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    asked.length = 0;
  });

  it('should print every event once as JSON lines, send the filters, stop when caught up and print the cursor to resume from', async () => {
    let request: IncomingMessage | undefined;
    handler = (incoming, response, after) => {
      request ??= incoming;
      pages(incoming, response, after);
    };
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 'token-1' });

    const code = await runCli(['tail', '--json', '--resource-type', 'Member', '--status', 'success', '--since', '2026-11-01T00:00:00Z'], io.io);

    expect(code).toBe(0);
    expect(io.stdout().trim().split('\n').map((line) => (JSON.parse(line) as { chainSeq: number }).chainSeq)).toEqual([1, 2, 3, 4]);
    expect(asked).toEqual([null, 'c2']);
    const sent = new URL(request!.url!, 'http://x').searchParams;
    expect({ type: sent.getAll('resourceType'), status: sent.get('status'), since: sent.get('since'), auth: request!.headers.authorization }).toEqual({
      type: ['Member'],
      status: 'success',
      since: '2026-11-01T00:00:00Z',
      auth: 'Bearer token-1',
    });
    expect(io.stderr()).toContain('resume with: --after c4');
  });

  it('should ask again from the same cursor after a dropped connection and a 503, so no event is skipped or printed twice', async () => {
    let failures = 0;
    handler = (request, response, after) => {
      if (after === 'c2' && failures === 0) {
        failures += 1;
        response.socket?.destroy();
        return;
      }
      if (after === 'c2' && failures === 1) {
        failures += 1;
        response.statusCode = 503;
        response.end('{"code":"audit_unavailable"}');
        return;
      }
      pages(request, response, after);
    };
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 'token-1' });

    const code = await runCli(['tail'], io.io);

    expect(code).toBe(0);
    expect(io.stdout().trim().split('\n').map((line) => line.split('  ')[1])).toEqual(['org_1#1', 'org_1#2', 'org_1#3', 'org_1#4']);
    expect(asked).toEqual([null, 'c2', 'c2', 'c2']);
    expect(io.stderr()).toMatch(/retrying/);
  });

  it('should keep polling with --follow until stopped, pausing when caught up', async () => {
    const stop = new AbortController();
    // Stopped (as by Ctrl-C) once it has come back for the same cursor a second time.
    handler = (request, response, after) => {
      pages(request, response, after);
      if (asked.filter((cursor) => cursor === 'c4').length === 2) stop.abort();
    };
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 'token-1' }, stop.signal);

    const code = await runCli(['tail', '--follow', '--interval', '100'], io.io);

    expect(code).toBe(0);
    expect(io.stdout().trim().split('\n')).toHaveLength(4);
    // Caught up at c4: the same cursor is polled again after each pause.
    expect(asked).toEqual([null, 'c2', 'c4', 'c4']);
  });

  it('should send a search as q, and refuse one with a syntax error before asking the API', async () => {
    let request: IncomingMessage | undefined;
    handler = (incoming, response, after) => {
      request ??= incoming;
      pages(incoming, response, after);
    };
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 'token-1' });

    expect(await runCli(['tail', '--json', '--q', 'actor:alice@example.com -status:success'], io.io)).toBe(0);
    expect(new URL(request!.url!, 'http://x').searchParams.get('q')).toBe('actor:alice@example.com -status:success');

    asked.length = 0;
    const refused = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 'token-1' });
    expect(await runCli(['tail', '--q', 'action:view colour:red'], refused.io)).toBe(2);
    expect(refused.stderr()).toContain('unknown key "colour"');
    expect(asked).toEqual([]);
  });

  it('should refuse a bad request without retrying it', async () => {
    handler = (_request, response) => {
      response.statusCode = 400;
      response.end('{"code":"invalid_cursor"}');
    };
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 'token-1' });

    expect(await runCli(['tail', '--after', 'forged'], io.io)).toBe(1);
    expect(io.stderr()).toContain('invalid_cursor');
    expect(asked).toEqual(['forged']);
  });
});
