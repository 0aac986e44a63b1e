import { makeAuditEvent } from '@audit/contract';
import { rawRequest, uniqueName, waitFor, type RawRequest, type RawResponse } from '@audit/testing';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { startAllInOne, type AllInOneStack } from './lib/all-in-one.stack';
import { BODIES, hostileCaseArb, INHERITED_NAMES, jsonBody, METHODS, ODD_HEADERS, request, serverFault, VERSIONS } from './lib/hostile-requests';
import { OPERATIONS_PATHS, publicRoutes, type CatalogRoute } from './lib/route-catalog';

// One built all-in-one process (ingestor + query API) on the real broker and chDB, hit over raw sockets.
jest.setTimeout(600_000);

/** `FC_SEED=<seed>` replays a run of the property; `FC_RUNS_SCALE=10` runs ten times as many cases. */
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS = Math.ceil(120 * Number(process.env.FC_RUNS_SCALE ?? 1));
const SEEDED = 3_000;

describe('the all-in-one process under hostile HTTP clients (raw sockets, real broker and chDB)', () => {
  const organizationId = uniqueName('org_hostile');
  let stack: AllInOneStack;
  let routes: CatalogRoute[];
  let owner: string;
  let member: string;

  /** A stream stays open while its client does: the client leaves once the final answer's head arrived (after any 100 Continue). */
  const send = (raw: RawRequest) => {
    const streaming = routes?.some((route) => route.streaming && raw.path.split('?')[0] === route.path);
    return rawRequest(stack.publicUrl, streaming ? { abortOnceAnswered: true, ...raw } : raw);
  };
  const get = (path: string, version: '1.0' | '1.1' = '1.1', bearer: string | undefined = owner) => send(request('GET', path, version, bearer));

  /** The process is still there and ready: a crash of the ingestor or the query API would have ended it. */
  async function expectUp(): Promise<void> {
    expect({ alive: stack.alive(), ready: await stack.readiness() }).toEqual({ alive: true, ready: 200 });
  }

  function expectNoFaults(faults: string[]): void {
    expect(faults).toEqual([]);
  }

  beforeAll(async () => {
    // A client that declares a body it never sends is answered 408 after 3 s (default 30 s).
    stack = await startAllInOne({ QUERY_EXPORT_BATCH_ROWS: '500', HTTP_REQUEST_TIMEOUT_MS: '3000' });
    owner = await stack.token(organizationId, 'owner');
    member = await stack.token(organizationId, 'member');
    const start = Date.now() - 3_600_000;
    await stack.publish(Array.from({ length: SEEDED }, (_, index) => makeAuditEvent({ organizationId, occurredAt: new Date(start + index * 1000).toISOString(), resource: { type: 'Member', id: `member_${index}` } })));
    await waitFor(
      async () => {
        const response = await fetch(`${stack.publicUrl}/v1/audit-logs/facets?resourceType=Member`, { headers: { authorization: `Bearer ${owner}` } });
        const facets = (await response.json()) as { resourceType?: Array<{ value: string; count: number }> };
        return facets.resourceType?.find((facet) => facet.value === 'Member')?.count === SEEDED || undefined;
      },
      { what: `${SEEDED} seeded events stored`, timeoutMs: 120_000, intervalMs: 1_000 },
    );
    routes = await publicRoutes(stack.publicUrl);
    console.info(`hostile HTTP: ${routes.length} public routes (${routes.map((route) => route.template).join(', ')}); property seed ${SEED} (FC_SEED=${SEED} replays it)`);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  describe('one request never takes the process down', () => {
    it('should answer HEAD of a CSV export with its headers only and stay up', async () => {
      const response = await send(request('HEAD', '/v1/audit-logs/export?format=csv', '1.1', owner));

      expect({ status: response.status, trailer: response.headers.trailer, type: response.headers['content-type'] }).toEqual({ status: 200, trailer: undefined, type: expect.stringContaining('text/csv') });
      await expectUp();
    });

    it('should stream a whole CSV export to an HTTP/1.0 client, without trailers, and stay up', async () => {
      const response = await get('/v1/audit-logs/export?format=csv&resourceType=Member', '1.0');

      expect({ status: response.status, trailer: response.headers.trailer, complete: response.complete }).toEqual({ status: 200, trailer: undefined, complete: true });
      expect(response.body.toString('utf8').trimEnd().split('\n')).toHaveLength(SEEDED + 1);
      await expectUp();
    });

    it('should end an HTTP/1.1 export with trailers that count and hash its body', async () => {
      const response = await get('/v1/audit-logs/export?format=ndjson&resourceType=Member');

      expect(response.status).toBe(200);
      expect(response.trailers).toEqual({
        'x-audit-row-count': String(SEEDED),
        'x-audit-content-sha256': createHash('sha256').update(response.body).digest('hex'),
      });
    });

    it('should refuse a 120 KB JSON body with 413 on every route, whatever the method', async () => {
      const faults: string[] = [];
      for (const route of routes) {
        for (const method of ['GET', 'POST', 'PUT'] as const) {
          const response = await send(request(method, route.path, '1.1', owner, [['Content-Type', 'application/json']], jsonBody(120_000)));
          // The OpenAPI document is served before any body is read, and reads none.
          if (method === 'GET' && route.template.startsWith('/docs') && response.status === 200) continue;
          const code = response.status === 413 ? (JSON.parse(response.body.toString('utf8')) as { code: string }).code : undefined;
          if (response.status !== 413 || code !== 'payload_too_large') faults.push(`${method} ${route.path}: ${response.status} ${response.body.toString('utf8').slice(0, 200)}`);
        }
      }
      expectNoFaults(faults);
      await expectUp();
    });

    it('should refuse an unknown Content-Encoding with 415 and a body that does not decode or parse with 400, telling nothing of the parser', async () => {
      const cases = [
        { body: BODIES.find((variant) => variant.name === 'bogus Content-Encoding')!, status: 415, code: 'unsupported_media_type' },
        { body: BODIES.find((variant) => variant.name === 'unknown charset')!, status: 415, code: 'unsupported_media_type' },
        { body: BODIES.find((variant) => variant.name === 'gzip that is not gzip')!, status: 400, code: 'bad_request' },
        { body: BODIES.find((variant) => variant.name === 'malformed JSON')!, status: 400, code: 'bad_request' },
        { body: BODIES.find((variant) => variant.name === 'gzip bomb')!, status: 413, code: 'payload_too_large' },
      ];
      const faults: string[] = [];
      for (const route of routes) {
        for (const { body, status, code } of cases) {
          const response = await send(request('POST', route.path, '1.1', owner, body.headers, body.body));
          const fault = serverFault(response, 'POST');
          const answer = response.status === status ? (JSON.parse(response.body.toString('utf8')) as { code: string }).code : undefined;
          if (fault || answer !== code) faults.push(`${body.name} to ${route.path}: ${fault ?? `${response.status} ${response.body.toString('utf8').slice(0, 200)}`}`);
        }
      }
      expectNoFaults(faults);
    });

    it('should refuse every name an object inherits (constructor, __proto__…) as an unknown parameter on every route with a query DTO', async () => {
      const withDto = routes.filter((route) => route.queryDto);
      expect(withDto.map((route) => route.template)).toEqual(expect.arrayContaining(['/v1/audit-logs', '/v1/audit-logs/export', '/v1/audit-logs/facets', '/v1/audit-logs/verify']));
      const faults: string[] = [];
      for (const route of withDto) {
        for (const name of INHERITED_NAMES) {
          const response = await get(`${route.path}?${encodeURIComponent(name)}=x`);
          const body = JSON.parse(response.body.toString('utf8') || '{}') as { code?: string; field?: string; rule?: string };
          if (response.status !== 400 || body.code !== 'invalid_parameter' || body.field !== name || body.rule !== 'unknownParameter') {
            faults.push(`${route.path}?${name}=x: ${response.status} ${response.body.toString('utf8').slice(0, 200)}`);
          }
        }
      }
      expectNoFaults(faults);
    });
  });

  describe('every route × method × protocol × credential', () => {
    it('should answer each combination below 500 and stay up', async () => {
      const faults: string[] = [];
      const targets = [...routes.map((route) => route.path), ...OPERATIONS_PATHS];
      for (const path of targets) {
        for (const method of METHODS) {
          for (const version of VERSIONS) {
            for (const bearer of [undefined, owner]) {
              const response = await send(request(method, path, version, bearer));
              const fault = serverFault(response, method);
              if (fault) faults.push(`${method} ${path} HTTP/${version}${bearer ? ' with a token' : ''}: ${fault}`);
            }
          }
        }
      }
      expectNoFaults(faults);
      await expectUp();
    });

    it('should keep the health and metrics endpoints off the public listener', async () => {
      for (const path of OPERATIONS_PATHS) expect({ path, status: (await get(path)).status }).toEqual({ path, status: 404 });
      expect((await fetch(`${stack.opsUrl}/metrics`)).status).toBe(200);
    });

    it('should name no framework, forbid content sniffing and keep API answers out of caches on every route', async () => {
      const faults: string[] = [];
      for (const route of routes) {
        for (const bearer of [undefined, owner]) {
          const { status, headers } = await get(route.path, '1.1', bearer);
          const cacheable = route.template.startsWith('/audit') || route.template.startsWith('/docs');
          if (headers['x-powered-by'] !== undefined || headers['x-content-type-options'] !== 'nosniff' || (!cacheable && headers['cache-control'] !== 'no-store')) {
            faults.push(`${route.path} (${status}): ${JSON.stringify({ poweredBy: headers['x-powered-by'], sniff: headers['x-content-type-options'], cache: headers['cache-control'] })}`);
          }
        }
      }
      expectNoFaults(faults);
    });

    it('should answer odd heads and bodies on every route below 500', async () => {
      const faults: string[] = [];
      for (const odd of ODD_HEADERS) {
        const method = odd.body === undefined ? 'GET' : 'POST';
        const responses = await Promise.all(routes.map((route) => send(request(method, route.path, '1.1', owner, odd.headers, odd.body))));
        responses.forEach((response, index) => {
          const fault = serverFault(response, method);
          if (fault) faults.push(`${odd.name} to ${routes[index].path}: ${fault}`);
        });
      }
      for (const route of routes) {
        for (const variant of BODIES) {
          for (const method of ['GET', 'DELETE'] as const) {
            const response = await send(request(method, route.path, '1.0', owner, variant.headers, variant.body));
            const fault = serverFault(response, method);
            if (fault) faults.push(`${variant.name} body with ${method} ${route.path} over HTTP/1.0: ${fault}`);
          }
        }
      }
      expectNoFaults(faults);
      await expectUp();
    });

    it('should stay up and keep serving when clients leave mid-export or mid-verify', async () => {
      const left: RawResponse[] = await Promise.all([
        ...['csv', 'ndjson', 'ndjson&verified=true'].map((format) => send({ ...request('GET', `/v1/audit-logs/export?format=${format}`, '1.1', owner), abortAfterBytes: 2_000 })),
        ...[1, 5, 20, 80].map((ms) => send({ ...request('GET', '/v1/audit-logs/verify', '1.1', owner), abortAfterMs: ms })),
        ...[1, 5, 20].map((ms) => send({ ...request('GET', '/v1/audit-logs/export?format=ndjson&verified=true', '1.0', owner), abortAfterMs: ms })),
      ]);
      // Each one left, was served before it could, or was told to retry (the verification limits).
      expect(left.filter((response) => !response.abandoned && response.status !== 200 && response.status !== 429)).toEqual([]);

      // No slot and no query of a client that left is held any more.
      await stack.settled();
      const after = await get('/v1/audit-logs/export?format=csv&resourceType=Member');
      expect({ status: after.status, rows: after.trailers['x-audit-row-count'] }).toEqual({ status: 200, rows: String(SEEDED) });
      await expectUp();
    });
  });

  it('should answer any request of the space (route, method, protocol, credential, query, headers, body, client leaving) below 500', async () => {
    const bearers = { none: undefined, valid: owner, member, garbage: 'not.a.token' };
    const targets = [...routes.map((route) => route.path), ...OPERATIONS_PATHS];
    await fc.assert(
      fc.asyncProperty(hostileCaseArb(targets.length), async (hostile) => {
        const body = BODIES[hostile.body];
        const odd = hostile.odd.map((index) => ODD_HEADERS[index]);
        const sent = body.body ?? odd.find((entry) => entry.body !== undefined)?.body;
        const raw = request(hostile.method, `${targets[hostile.route]}${hostile.query}`, hostile.version, bearers[hostile.credential], [...body.headers, ...odd.flatMap((entry) => entry.headers)], sent);
        const response = await send(hostile.client.kind === 'aborts' ? { ...raw, abortAfterBytes: hostile.client.afterBytes } : raw);
        if (response.abandoned) return;
        const fault = serverFault(response, hostile.method);
        if (fault) throw new Error(fault);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    await expectUp();
  });

  it('should have logged no server error, no crash and no intervention of the last-resort guard', () => {
    expect(stack.errorsLogged()).toEqual([]);
  });
});
