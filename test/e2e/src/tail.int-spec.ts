import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { uniqueName, waitFor } from '@audit/testing';
import { startFullStack, type FullStack } from './full-stack';

jest.setTimeout(240_000);

type TailEvent = AuditEvent & { chainSeq: number };

interface TailPage {
  data: TailEvent[];
  next: string;
  hasMore: boolean;
}

const DAY = 86_400_000;
/** Only Patient events are published: the filter keeps the reads' own AuditLog events (the tail's too) out of view. */
const FILTER = 'resourceType=Patient';

/** A poller as a SIEM would run one: follow `next`, pause when caught up, never skip or repeat. */
class Poller {
  readonly seen: TailEvent[] = [];
  /** Pages with events whose `next` was the cursor sent: a poller would loop on them forever. */
  readonly stuckPages: TailPage[] = [];
  private cursor?: string;

  constructor(
    private readonly stack: FullStack,
    private readonly bearer: string,
    private readonly query: string,
    private readonly limit: number,
  ) {}

  async poll(): Promise<TailPage> {
    const after = this.cursor === undefined ? '' : `&after=${encodeURIComponent(this.cursor)}`;
    const response = await fetch(`${this.stack.baseUrl}/v1/audit-logs/tail?${this.query}&limit=${this.limit}${after}`, { headers: { authorization: `Bearer ${this.bearer}` } });
    expect(response.status).toBe(200);
    const page = (await response.json()) as TailPage;
    if (page.data.length > 0 && page.next === this.cursor) this.stuckPages.push(page);
    this.seen.push(...page.data);
    this.cursor = page.next;
    return page;
  }

  /** Polls until `done` holds of what it has seen, then twice more once caught up (extra events would show). */
  async follow(done: () => boolean): Promise<void> {
    await waitFor(async () => ((await this.poll()).hasMore || !done() ? undefined : true), { what: 'the poller to catch up', timeoutMs: 120_000, intervalMs: 100 });
    for (let i = 0; i < 2; i++) await this.poll();
  }
}

/** One Server-Sent Events connection: its messages as they arrive, parsed. */
class SseClient {
  readonly events: TailEvent[] = [];
  lastEventId?: string;
  heartbeats = 0;
  private readonly abort = new AbortController();
  status = 0;
  retryAfter: string | null = null;

  static async open(stack: FullStack, bearer: string, query: string, lastEventId?: string): Promise<SseClient> {
    const client = new SseClient();
    const headers: Record<string, string> = { authorization: `Bearer ${bearer}`, accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const response = await fetch(`${stack.baseUrl}/v1/audit-logs/stream?${query}`, { headers, signal: client.abort.signal });
    client.status = response.status;
    client.retryAfter = response.headers.get('retry-after');
    if (response.status === 200) void client.read(response.body!);
    else await response.text();
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let data: string | undefined;
          for (const line of message.split('\n')) {
            if (line.startsWith('id: ')) this.lastEventId = line.slice(4);
            else if (line.startsWith('data: ')) data = line.slice(6);
            else if (line.startsWith(': heartbeat')) this.heartbeats += 1;
          }
          if (data !== undefined) this.events.push(JSON.parse(data) as TailEvent);
        }
      }
    } catch {
      // Closed by the test.
    }
  }

  close(): void {
    this.abort.abort();
  }
}

const ids = (events: AuditEvent[]) => events.map((event) => `${event.organizationId}/${event.id}`);

describe('the tail API: every event exactly once across pages while events keep arriving', () => {
  const orgA = uniqueName('org_tail_a');
  const orgB = uniqueName('org_tail_b');
  let stack: FullStack;
  const published: AuditEvent[] = [];

  const patient = (organizationId: string, occurredAt: number) =>
    makeAuditEvent({ organizationId, occurredAt: new Date(occurredAt).toISOString(), resource: { type: 'Patient', id: uniqueName('patient') } });

  /** Rounds of new events for both organizations: some late (occurredAt days ago), and copies of earlier ones re-sent. */
  async function publishRounds(rounds: number): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      const fresh = [orgA, orgB].flatMap((organizationId) =>
        Array.from({ length: 12 }, (_, i) => patient(organizationId, i % 4 === 0 ? Date.now() - 3 * DAY - i * 1000 : Date.now() - i)),
      );
      const copies = published.filter((_, index) => index % 7 === round % 7);
      await stack.publish([...fresh, ...copies]);
      published.push(...fresh);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  beforeAll(async () => {
    stack = await startFullStack({ QUERY_TAIL_POLL_MS: '50' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('should show an owner each event of its organization once, in chain order, and the security role each event of every organization once', async () => {
    const owner = new Poller(stack, await stack.token(orgA), FILTER, 7);
    const security = new Poller(stack, await stack.token(uniqueName('org_security'), 'security'), FILTER, 9);
    // Both start at the newest position; everything published after that must be seen.
    await owner.poll();
    await security.poll();
    let polling = true;
    const keepPolling = async (poller: Poller) => {
      while (polling) await poller.poll();
    };
    const pollers = [keepPolling(owner), keepPolling(security)];
    await publishRounds(6);
    polling = false;
    await Promise.all(pollers);

    const ofA = published.filter((event) => event.organizationId === orgA);
    await owner.follow(() => owner.seen.length >= ofA.length);
    await security.follow(() => security.seen.filter((event) => event.organizationId === orgA || event.organizationId === orgB).length >= published.length);

    expect(ids(owner.seen).sort()).toEqual(ids(ofA).sort());
    const mine = security.seen.filter((event) => event.organizationId === orgA || event.organizationId === orgB);
    expect(ids(mine).sort()).toEqual(ids(published).sort());
    // In order of arrival: within an organization, its chain order.
    for (const seen of [owner.seen, mine]) {
      for (const organizationId of [orgA, orgB]) {
        const sequence = seen.filter((event) => event.organizationId === organizationId).map((event) => event.chainSeq);
        expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
      }
    }
    expect([...owner.stuckPages, ...security.stuckPages]).toEqual([]);
  });

  it('should start from since= with the events stored from then on, late ones included', async () => {
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = published.length;
    await publishRounds(1);
    const poller = new Poller(stack, await stack.token(orgB), `${FILTER}&since=${since}`, 5);
    const expected = published.slice(before).filter((event) => event.organizationId === orgB);
    await poller.follow(() => poller.seen.length >= expected.length);
    expect(ids(poller.seen).sort()).toEqual(ids(expected).sort());
  });

  it('should apply a search (q) as the list does, bind its cursor to the search, and refuse created: terms, which would hide late events', async () => {
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = published.length;
    await publishRounds(1);
    const fresh = published.slice(before).filter((event) => event.organizationId === orgA);
    const [excluded] = fresh;
    const q = `resource.type:Patient -resource.id:${excluded.resource.id}`;
    const poller = new Poller(stack, await stack.token(orgA), `${FILTER}&since=${since}&q=${encodeURIComponent(q)}`, 5);
    const expected = fresh.filter((event) => event !== excluded);
    const page = await poller.poll();
    await poller.follow(() => poller.seen.length >= expected.length);
    expect(ids(poller.seen).sort()).toEqual(ids(expected).sort());

    const bearer = await stack.token(orgA);
    const otherSearch = await fetch(`${stack.baseUrl}/v1/audit-logs/tail?${FILTER}&q=resource.type:Patient&after=${encodeURIComponent(page.next)}`, { headers: { authorization: `Bearer ${bearer}` } });
    expect({ status: otherSearch.status, code: ((await otherSearch.json()) as { code: string }).code }).toEqual({ status: 400, code: 'invalid_cursor' });
    const created = await fetch(`${stack.baseUrl}/v1/audit-logs/tail?${FILTER}&q=${encodeURIComponent('created:>=2026-01-01')}`, { headers: { authorization: `Bearer ${bearer}` } });
    expect({ status: created.status, body: await created.json() }).toMatchObject({ status: 400, body: { code: 'invalid_parameter', field: 'q', rule: 'createdInTail' } });
  });

  it('should refuse a cursor with other filters, or from another organization', async () => {
    const first = (await (await fetch(`${stack.baseUrl}/v1/audit-logs/tail?${FILTER}`, { headers: { authorization: `Bearer ${await stack.token(orgA)}` } })).json()) as TailPage;
    const refused = [
      { path: `/v1/audit-logs/tail?resourceType=Member&after=${encodeURIComponent(first.next)}`, bearer: await stack.token(orgA) },
      { path: `/v1/audit-logs/tail?${FILTER}&after=${encodeURIComponent(first.next)}`, bearer: await stack.token(orgB) },
      { path: `/v1/audit-logs/tail?${FILTER}&after=${encodeURIComponent(`${first.next}x`)}`, bearer: await stack.token(orgA) },
    ];
    for (const { path, bearer } of refused) {
      const response = await fetch(`${stack.baseUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
      expect({ path, status: response.status, code: ((await response.json()) as { code: string }).code }).toEqual({ path, status: 400, code: 'invalid_cursor' });
    }
  });

  it('should stream the same events over Server-Sent Events and resume after a dropped connection with Last-Event-ID, with no gap and no copy', async () => {
    const organizationId = uniqueName('org_tail_sse');
    const bearer = await stack.token(organizationId);
    const first = await SseClient.open(stack, bearer, FILTER);
    expect(first.status).toBe(200);
    await waitFor(async () => first.lastEventId, { what: 'the starting position' });
    const batch = (count: number) => Array.from({ length: count }, (_, i) => patient(organizationId, Date.now() - (i % 3 === 0 ? 2 * DAY : i)));
    const sent = [...batch(15)];
    await stack.publish(sent);
    await waitFor(async () => (first.events.length >= 5 ? true : undefined), { what: 'the first events' });
    first.close();
    // Published while no client is connected, with a re-sent copy of an event already streamed.
    const more = batch(10);
    await stack.publish([...more, sent[0]]);
    sent.push(...more);
    const second = await SseClient.open(stack, bearer, FILTER, first.lastEventId);
    expect(second.status).toBe(200);
    await waitFor(async () => (first.events.length + second.events.length >= sent.length ? true : undefined), { what: 'every event over both connections', timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    second.close();
    expect(ids([...first.events, ...second.events]).sort()).toEqual(ids(sent).sort());
  });

  it('should audit a stream once per session, before its first byte', async () => {
    const organizationId = uniqueName('org_tail_audit');
    const bearer = await stack.token(organizationId);
    const client = await SseClient.open(stack, bearer, FILTER);
    await stack.publish([patient(organizationId, Date.now()), patient(organizationId, Date.now())]);
    await waitFor(async () => (client.events.length >= 2 ? true : undefined), { what: 'two streamed events' });
    client.close();
    const reads = await waitFor(
      async () => {
        const response = await fetch(`${stack.baseUrl}/v1/audit-logs/tail?resourceType=AuditLog&since=${new Date(Date.now() - 60_000).toISOString()}&limit=1000`, {
          headers: { authorization: `Bearer ${bearer}` },
        });
        const streams = ((await response.json()) as TailPage).data.filter((event) => event.metadata?.endpoint === 'stream');
        return streams.length > 0 ? streams : undefined;
      },
      { what: 'the stream session recorded' },
    );
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ action: 'view', resource: { type: 'AuditLog', id: organizationId }, status: 'success' });
  });
});

describe('the tail stream is bounded per organization', () => {
  let stack: FullStack;

  beforeAll(async () => {
    stack = await startFullStack({ QUERY_STREAM_MAX_CONCURRENT_PER_TENANT: '1', QUERY_STREAM_HEARTBEAT_SECONDS: '1' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('should refuse a second stream of one organization with 429 and Retry-After, serve another organization, and keep a quiet stream alive with heartbeats', async () => {
    const organizationId = uniqueName('org_tail_limit');
    const open = await SseClient.open(stack, await stack.token(organizationId), FILTER);
    expect(open.status).toBe(200);
    const refused = await SseClient.open(stack, await stack.token(organizationId, 'admin'), FILTER);
    expect({ status: refused.status, retryAfter: refused.retryAfter }).toEqual({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
    const other = await SseClient.open(stack, await stack.token(uniqueName('org_tail_other')), FILTER);
    expect(other.status).toBe(200);
    await waitFor(async () => (open.heartbeats >= 2 ? true : undefined), { what: 'two heartbeats', timeoutMs: 10_000 });
    open.close();
    other.close();
    // The slot is released when the client goes.
    await waitFor(
      async () => {
        const again = await SseClient.open(stack, await stack.token(organizationId), FILTER);
        again.close();
        return again.status === 200 ? true : undefined;
      },
      { what: 'a stream after the first one closed' },
    );
  });
});
