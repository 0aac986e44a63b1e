import { makeAuditEvent } from '@audit/contract';
import { metricSum, percentile, rawRequest, uniqueName, waitFor, type RawResponse } from '@audit/testing';
import { startAllInOne, type AllInOneStack } from './lib/all-in-one.stack';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { request } from './lib/hostile-requests';

// A noisy tenant against the built all-in-one process, on the real broker and chDB.
jest.setTimeout(600_000);

const NOISY_EVENTS = Number(process.env.FAIRNESS_NOISY_EVENTS ?? 50_000);
const ATTACK_SECONDS = Number(process.env.FAIRNESS_ATTACK_SECONDS ?? 15);
/**
 * Liveness while the noisy tenant runs: the bound the issue asks for ("p99 under a few hundred
 * ms"), with room for a 2-core machine that runs another test suite beside this one (before the
 * limits: p99 2.3 s and more).
 */
const LIVE_P95_MS = 300;
const LIVE_P99_MS = 750;
/** Another tenant's first page, and an event published meanwhile becoming readable. */
const PAGE_P95_MS = 2_000;
const FRESHNESS_MS = 15_000;
/** QUERY_EXPORT_STALL_TIMEOUT_MS of the app under test (default 30 s). */
const STALL_TIMEOUT_MS = 3_000;

interface Timed {
  at: number;
  ms: number;
  status: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Liveness as a load balancer sees it: probed from a process of its own (this test process also
 * carries the noisy tenant's traffic), every `everyMs` for `forMs`.
 */
async function probeLiveness(url: string, everyMs: number, forMs: number): Promise<Timed[]> {
  const script = `
    const samples = [];
    const end = Date.now() + ${forMs};
    (async () => {
      while (Date.now() < end) {
        const started = performance.now();
        const status = await fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(30000) }).then((response) => response.status, () => 0);
        samples.push({ at: started, ms: performance.now() - started, status });
        await new Promise((resolve) => setTimeout(resolve, ${everyMs}));
      }
      process.stdout.write(JSON.stringify(samples));
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await once(child, 'exit');
  return JSON.parse(output) as Timed[];
}

/** Calls `probe` every `everyMs` until `until` resolves, timing each call. */
async function sample(everyMs: number, until: Promise<unknown>, probe: () => Promise<number>): Promise<Timed[]> {
  const samples: Timed[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const started = performance.now();
    const status = await probe().catch(() => 0);
    samples.push({ at: started, ms: performance.now() - started, status });
    await sleep(everyMs);
  }
  return samples;
}

describe('one tenant cannot starve the others (built all-in-one, real broker and chDB)', () => {
  const noisy = uniqueName('org_noisy');
  const quiet = uniqueName('org_quiet');
  const fresh = uniqueName('org_fresh');
  let stack: AllInOneStack;
  let noisyToken: string;

  /** A first page, as the console asks for it, of the token's own organization. */
  const page = (bearer: string) =>
    fetch(`${stack.publicUrl}/v1/audit-logs?limit=50`, { headers: { authorization: `Bearer ${bearer}` }, signal: AbortSignal.timeout(30_000) });

  beforeAll(async () => {
    stack = await startAllInOne({ QUERY_EXPORT_STALL_TIMEOUT_MS: String(STALL_TIMEOUT_MS) });
    noisyToken = await stack.token(noisy);
    const start = Date.now() - 6 * 3_600_000;
    const events = Array.from({ length: NOISY_EVENTS }, (_, index) =>
      makeAuditEvent({ organizationId: noisy, occurredAt: new Date(start + index * 100).toISOString(), resource: { type: 'Member', id: `member_${index}` }, metadata: { note: 'x'.repeat(200) } }),
    );
    await stack.publish([...events, ...Array.from({ length: 200 }, () => makeAuditEvent({ organizationId: quiet }))]);
    await waitFor(
      async () => {
        const response = await fetch(`${stack.publicUrl}/v1/audit-logs/verify`, { headers: { authorization: `Bearer ${noisyToken}` } });
        const report = (await response.json()) as { checked?: number };
        return (report.checked ?? 0) >= NOISY_EVENTS || undefined;
      },
      { what: `${NOISY_EVENTS} chained events of the noisy tenant`, timeoutMs: 300_000, intervalMs: 2_000 },
    );
  }, 400_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('should keep liveness fast, serve another tenant and keep ingesting while one tenant floods verifies and exports', async () => {
    const quietToken = await stack.token(quiet);
    const freshToken = await stack.token(fresh);
    const attackEnds = Date.now() + ATTACK_SECONDS * 1000;
    const attack: RawResponse[] = [];
    /** One client of the noisy tenant: the same heavy request again and again until the attack ends. */
    const flood = async (path: string, options: { stallMs?: number } = {}) => {
      while (Date.now() < attackEnds) {
        const response = await rawRequest(stack.publicUrl, { ...request('GET', path, '1.1', noisyToken), timeoutMs: 120_000, discardBody: true, ...options });
        attack.push(response);
        if (response.status === 429) await sleep(200);
      }
    };
    const attackers = Promise.all([
      ...Array.from({ length: 8 }, () => flood('/v1/audit-logs/verify')),
      ...Array.from({ length: 3 }, () => flood('/v1/audit-logs/export?format=csv')),
      ...Array.from({ length: 2 }, () => flood('/v1/audit-logs/export?format=ndjson&verified=true')),
      // Clients that stop reading an export (the kernel's buffers fill, the server's writes stop draining).
      ...Array.from({ length: 3 }, () => flood('/v1/audit-logs/export?format=ndjson', { stallMs: 60_000 })),
    ]);
    await sleep(1_000);

    const published = Date.now();
    let visibleAfter: number | undefined;
    const freshness = (async () => {
      await stack.publish([makeAuditEvent({ organizationId: fresh, resource: { type: 'Member', id: 'fresh_1' } })]);
      await waitFor(
        async () => {
          const body = (await (await page(freshToken)).json()) as { data?: Array<{ resource: { id: string } }> };
          return body.data?.some((event) => event.resource.id === 'fresh_1') ? (visibleAfter = Date.now() - published) : undefined;
        },
        { what: 'the fresh event to be readable', timeoutMs: 120_000, intervalMs: 250 },
      );
    })();
    const attackWindow = sleep(attackEnds - Date.now());
    const [live, pages] = await Promise.all([
      probeLiveness(`${stack.opsUrl}/health/live`, 50, attackEnds - Date.now()),
      sample(500, attackWindow, async () => (await page(quietToken)).status),
    ]);
    await freshness;
    await attackers;

    const liveMs = live.map((probe) => probe.ms);
    const pageMs = pages.map((probe) => probe.ms);
    const statuses = attack.reduce<Record<string, number>>((counts, response) => ({ ...counts, [response.status]: (counts[response.status] ?? 0) + 1 }), {});
    console.info(
      `fairness: ${live.length} liveness probes p50 ${percentile(liveMs, 50).toFixed(0)} ms p95 ${percentile(liveMs, 95).toFixed(0)} ms p99 ${percentile(liveMs, 99).toFixed(0)} ms max ${Math.max(...liveMs).toFixed(0)} ms; ` +
        `${pages.length} pages of another tenant p95 ${percentile(pageMs, 95).toFixed(0)} ms; fresh event readable after ${visibleAfter} ms; noisy tenant's answers ${JSON.stringify(statuses)}; ` +
        `machine load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`,
    );
    expect({ liveFailures: live.filter((probe) => probe.status !== 200).length, pageFailures: pages.filter((probe) => probe.status !== 200).length }).toEqual({ liveFailures: 0, pageFailures: 0 });
    // The bounds hold on a machine running this suite and one more beside it (load up to 2 per
    // core); on a more crowded one they grow with the load, since a probe waits for a core whatever
    // the server does (measured: p95 341 ms at load 9.9 on 2 cores with the server's limits in place;
    // before the limits, p99 2.3 s and more). The figure line above says the load of the run.
    const crowding = Math.max(1, loadavg()[0] / (2 * availableParallelism()));
    expect(percentile(liveMs, 95)).toBeLessThan(LIVE_P95_MS * crowding);
    expect(percentile(liveMs, 99)).toBeLessThan(LIVE_P99_MS * crowding);
    expect(percentile(pageMs, 95)).toBeLessThan(PAGE_P95_MS * crowding);
    expect(visibleAfter).toBeLessThan(FRESHNESS_MS);
    // The noisy tenant is told to come back later, never failed: 200 (or a cut stalled transfer), or 429 with Retry-After.
    expect(attack.filter((response) => response.status >= 500 || response.status === 0)).toEqual([]);
    expect(attack.filter((response) => response.status === 429 && !(Number(response.headers['retry-after']) >= 1))).toEqual([]);
    expect(stack.alive()).toBe(true);
  });

  it('should cut an export whose client stops reading, and give its slot and its queries back', async () => {
    const cutBefore = metricSum(await stack.metrics(), 'audit_query_exports_cut_total', 'reason="stalled"');

    const stalled = await rawRequest(stack.publicUrl, { ...request('GET', '/v1/audit-logs/export?format=ndjson', '1.1', noisyToken), stallMs: 3 * STALL_TIMEOUT_MS, timeoutMs: 120_000, discardBody: true });

    expect({ status: stalled.status, complete: stalled.complete, trailers: stalled.trailers }).toEqual({ status: 200, complete: false, trailers: {} });
    expect(metricSum(await stack.metrics(), 'audit_query_exports_cut_total', 'reason="stalled"')).toBe(cutBefore + 1);
    await stack.settled();
    expect(stack.alive()).toBe(true);
  });
});
