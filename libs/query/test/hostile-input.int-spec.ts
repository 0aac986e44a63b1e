import { CONTROL_CHARACTERS, LIMITS, makeAuditEvent, ORGANIZATION_ID_PATTERN, type AuditEvent } from '@audit/contract';
import { uniqueName } from '@audit/testing';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import {
  assembleJwt,
  CLICKHOUSE_ERROR_TEXT,
  dateValueArb,
  closeRawAgent,
  encodePart,
  hmacSigner,
  INTERNAL_NAMES,
  queryPartsArb,
  queryString,
  rawGet,
  SQL_LOOKING_VALUES,
  type RawResponse,
} from './hostile-input.arbitraries';
import { SECRET, startQueryTestApp, token, type QueryTestApp } from './query-test-app';

// Property runs against the real API over real ClickHouse data and a real broker.
jest.setTimeout(300_000);

/**
 * Every property runs with this seed; fast-check prints it (and the shrunk counterexample's path)
 * on failure, and `FC_SEED=<seed>` replays the run. `FC_RUNS_SCALE=10` runs ten times as many cases.
 */
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const SCALE = Number(process.env.FC_RUNS_SCALE ?? 1);
const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.ceil(numRuns * SCALE) });

const RESOURCE_TYPES = ['Member', 'Session', 'Patient', 'Organization'] as const;
const ACTIONS = ['create', 'update', 'delete', 'view', 'role.change'] as const;
const EMAILS = ["o'brien@acme.test", 'percent%sign@acme.test', 'plus+tag@acme.test', 'ada@acme.test'];
const ROLES = ['owner', 'admin', 'member', 'security'];

type Caller = 'ownerA' | 'adminA' | 'adminB' | 'security';

interface Page {
  data: AuditEvent[];
  nextCursor: string | null;
  prevCursor: string | null;
}

/** Fails with the response in the message, so a counterexample says what the server answered. */
function fail(what: string, response: RawResponse): never {
  throw new Error(`${what}: HTTP ${response.status} ${response.text.slice(0, 500)}`);
}

/** No 5xx, no ClickHouse text anywhere, and every error in the API's own shape without internals. */
function expectSafe(response: RawResponse): void {
  if (response.status >= 500) fail('server error', response);
  if (CLICKHOUSE_ERROR_TEXT.test(response.text)) fail('ClickHouse error text in the body', response);
  if (response.status >= 400) {
    if (INTERNAL_NAMES.test(response.text)) fail('internal names in an error body', response);
    // Node's HTTP parser itself answers a malformed request line (400) or an oversized head (431) with an empty body.
    const fromNodeParser = response.text === '' && (response.status === 400 || response.status === 431);
    if (!fromNodeParser) {
      let body: { statusCode?: unknown; code?: unknown };
      try {
        body = JSON.parse(response.text) as typeof body;
      } catch {
        fail('error body that is not JSON', response);
      }
      if (body.statusCode !== response.status || typeof body.code !== 'string') fail('error body without statusCode and code', response);
    }
  }
}

function expectStatus(response: RawResponse, status: number, code?: string): void {
  expectSafe(response);
  if (response.status !== status) fail(`expected ${status}${code ? ` ${code}` : ''}`, response);
  if (code && (JSON.parse(response.text) as { code: string }).code !== code) fail(`expected code ${code}`, response);
}

/**
 * Seeded history of one organization: a third of the actors and a quarter of the resource ids are
 * SQL-looking values, the rest plain; one event every ten minutes, all inside the default window.
 */
function seedEvents(organizationId: string, count: number, stride: number, now: number): AuditEvent[] {
  const n = SQL_LOOKING_VALUES.length;
  return Array.from({ length: count }, (_, i) =>
    makeAuditEvent({
      occurredAt: new Date(now - 60_000 - i * 600_000).toISOString(),
      organizationId,
      action: ACTIONS[i % ACTIONS.length],
      status: i % 7 === 0 ? 'failure' : 'success',
      actor: { id: i % 3 === 0 ? SQL_LOOKING_VALUES[(i * stride) % n] : `user_${i % 5}`, email: EMAILS[i % EMAILS.length] },
      resource: { type: RESOURCE_TYPES[i % RESOURCE_TYPES.length], id: i % 4 === 1 ? SQL_LOOKING_VALUES[(i * stride + 1) % n] : `res_${i % 11}` },
    }),
  );
}

interface Filters {
  resourceType: string[];
  action: string[];
  status?: string;
  actor?: string;
  resourceId?: string;
}

/** Filters as a query string, repeated values and parameters in the order given. */
function filtersQuery(filters: Filters, reversed = false): string {
  const parts: string[] = [];
  const add = (name: string, value: string | undefined) => value !== undefined && parts.push(`${name}=${encodePart(value, 'component')}`);
  const order = (values: string[]) => (reversed ? [...values].reverse() : values);
  for (const value of order(filters.resourceType)) add('resourceType', value);
  for (const value of order(filters.action)) add('action', value);
  add('status', filters.status);
  add('actor', filters.actor);
  add('resourceId', filters.resourceId);
  return (reversed ? parts.reverse() : parts).join('&');
}

const sameFilters = (a: Filters, b: Filters) =>
  JSON.stringify([[...a.resourceType].sort(), [...a.action].sort(), a.status, a.actor, a.resourceId]) ===
  JSON.stringify([[...b.resourceType].sort(), [...b.action].sort(), b.status, b.actor, b.resourceId]);

const filtersArb: fc.Arbitrary<Filters> = fc.record({
  resourceType: fc.subarray([...RESOURCE_TYPES]),
  action: fc.subarray([...ACTIONS]),
  status: fc.option(fc.constantFrom('success', 'failure'), { nil: undefined }),
  actor: fc.option(fc.constantFrom('user_1', 'user_2', SQL_LOOKING_VALUES[0], EMAILS[0]), { nil: undefined }),
  resourceId: fc.option(fc.constantFrom('res_1', SQL_LOOKING_VALUES[1]), { nil: undefined }),
});

describe('the query API under hostile input (property-based, real ClickHouse data)', () => {
  const now = Date.now();
  const orgA = uniqueName('org_a');
  const orgB = uniqueName('org_b');
  const seeded: Record<string, AuditEvent[]> = {};
  const bearer: Record<Caller, string> = {} as Record<Caller, string>;
  const organizationOf: Record<Caller, string | undefined> = { ownerA: orgA, adminA: orgA, adminB: orgB, security: undefined };
  let api: QueryTestApp;

  const get = (path: string, caller: Caller | null, authorization?: string) =>
    rawGet(api.baseUrl, path, authorization !== undefined ? { authorization } : caller ? { authorization: `Bearer ${bearer[caller]}` } : {});

  /** Follows nextCursor to the end; the status of the first failing page otherwise. */
  async function readAll(query: string, caller: Caller): Promise<{ response: RawResponse; events: AuditEvent[] }> {
    const events: AuditEvent[] = [];
    let cursor: string | null = null;
    for (;;) {
      const response = await get(`/v1/audit-logs?${query}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, caller);
      if (response.status !== 200) return { response, events };
      const page = JSON.parse(response.text) as Page;
      events.push(...page.data);
      cursor = page.nextCursor;
      if (!cursor) return { response, events };
    }
  }

  /** A non-security caller's 200 never names another organization, and its events are all its own. */
  function expectOwnOrganizationOnly(caller: Caller, endpoint: string, response: RawResponse): void {
    const own = organizationOf[caller];
    if (response.status !== 200 || own === undefined) return;
    const other = own === orgA ? orgB : orgA;
    if (response.text.includes(other)) fail(`a row of ${other} reached a caller of ${own}`, response);
    if (endpoint === '/v1/audit-logs') {
      for (const event of (JSON.parse(response.text) as Page).data) if (event.organizationId !== own) fail(`row of ${event.organizationId}`, response);
    }
  }

  beforeAll(async () => {
    api = await startQueryTestApp();
    seeded[orgA] = seedEvents(orgA, 600, 7, now);
    seeded[orgB] = seedEvents(orgB, 300, 11, now);
    await api.insert([...seeded[orgA], ...seeded[orgB]]);
    bearer.ownerA = await token(orgA, 'owner');
    bearer.adminA = await token(orgA, 'admin');
    bearer.adminB = await token(orgB, 'admin');
    bearer.security = await token('org_security', 'security');
    console.info(`hostile-input properties: seed ${SEED} (FC_SEED=${SEED} replays this run)`);
  });

  afterAll(async () => {
    closeRawAgent();
    await api?.close();
  });

  describe('query strings', () => {
    it('should answer any query string on any endpoint without a 5xx or ClickHouse text, and only with rows of the caller’s organization', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/v1/audit-logs', '/v1/audit-logs/facets', '/v1/audit-logs/export', '/v1/audit-logs/histogram', '/v1/audit-logs/top?by=actor'),
          fc.constantFrom<Caller>('ownerA', 'adminB', 'security'),
          queryPartsArb,
          async (endpoint, caller, parts) => {
            const query = queryString(parts);
            const response = await get(`${endpoint}${query ? `${endpoint.includes('?') ? '&' : '?'}${query}` : ''}`, caller);
            expectSafe(response);
            expectOwnOrganizationOnly(caller, endpoint, response);
          },
        ),
        runs(150),
      );
    });

    it('should return for a SQL-looking, wildcard or unicode actor or resourceId exactly the rows that literally equal it', async () => {
      const mutate = ([value, how]: [string, string]) =>
        how === 'upper' ? value.toUpperCase() : how === 'nfd' ? value.normalize('NFD') : how === 'space' ? `${value} ` : how === 'tail' ? value.slice(1) || value : `%${value}%`;
      const valueArb = fc.oneof(
        { arbitrary: fc.constantFrom(...SQL_LOOKING_VALUES, ...EMAILS, 'user_1', 'res_3'), weight: 4 },
        { arbitrary: fc.tuple(fc.constantFrom<string>(...SQL_LOOKING_VALUES), fc.constantFrom('upper', 'nfd', 'space', 'tail', 'like')).map(mutate), weight: 2 },
        { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), weight: 1 },
        { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), weight: 1 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('actor', 'resourceId'),
          valueArb,
          fc.constantFrom<Caller>('ownerA', 'adminB'),
          fc.constantFrom<'component' | 'plus'>('component', 'plus'),
          async (field, value, caller, encoding) => {
            // What the server receives: percent-encoded UTF-8, where a lone surrogate is U+FFFD.
            const sent = Buffer.from(value, 'utf8').toString('utf8');
            const matches = (event: AuditEvent) => (field === 'actor' ? event.actor.id === sent || event.actor.email === sent : event.resource.id === sent);
            const expected = seeded[organizationOf[caller]!].filter(matches).map((event) => event.id);
            const { response, events } = await readAll(`${field}=${encodePart(value, encoding)}`, caller);
            expectStatus(response, 200);
            expect(events.map((event) => event.id).sort()).toEqual(expected.sort());
          },
        ),
        runs(80),
      );
    });

    it('should answer any from/to pair with 200 or 400, and a valid window with exactly the rows inside it', async () => {
      const instant = (text: string) => Date.parse(/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(text) || /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : `${text}Z`);
      await fc.assert(
        fc.asyncProperty(fc.option(dateValueArb, { nil: undefined }), fc.option(dateValueArb, { nil: undefined }), async (from, to) => {
          const query = [from !== undefined && `from=${encodePart(from, 'component')}`, to !== undefined && `to=${encodePart(to, 'component')}`].filter(Boolean).join('&');
          const { response, events } = await readAll(query, 'ownerA');
          expectSafe(response);
          if (response.status !== 200 && response.status !== 400) fail('neither 200 nor 400', response);
          if (response.status !== 200 || from === undefined || to === undefined) return;
          const expected = seeded[orgA].filter((event) => Date.parse(event.occurredAt) >= instant(from) && Date.parse(event.occurredAt) < instant(to));
          expect(events.map((event) => event.id).sort()).toEqual(expected.map((event) => event.id).sort());
        }),
        {
          ...runs(60),
          // Instants whose UTC form leaves four-digit years, or ClickHouse's DateTime64 range, always run.
          examples: [
            [undefined, '9999-12-31T23:00:00-05:00'],
            ['9999-12-31T20:00:00-05:00', '9999-12-31T23:00:00-05:00'],
            ['1899-12-31T00:00:00Z', '1900-01-02T00:00:00Z'],
            [undefined, '1900-01-01T00:00:00Z'],
            ['2299-12-31T00:00:00Z', '2300-01-02T00:00:00Z'],
          ],
        },
      );
    });
  });

  describe('cursors', () => {
    let original: string;

    beforeAll(async () => {
      const response = await get('/v1/audit-logs?limit=5', 'ownerA');
      original = (JSON.parse(response.text) as Page).nextCursor!;
      expect(original).toEqual(expect.any(String));
    });

    it('should accept a cursor only with the filters and organization it was made for, and refuse it with 400 invalid_cursor otherwise', async () => {
      await fc.assert(
        fc.asyncProperty(
          filtersArb,
          fc.option(filtersArb, { nil: undefined }),
          fc.constantFrom<Caller>('ownerA', 'ownerA', 'adminA', 'adminB', 'security'),
          fc.boolean(),
          fc.integer({ min: 1, max: 20 }),
          async (first, other, caller, reversed, limit) => {
            const page = await get(`/v1/audit-logs?${filtersQuery(first)}&limit=1`, 'ownerA');
            expectStatus(page, 200);
            const { nextCursor } = JSON.parse(page.text) as Page;
            fc.pre(nextCursor !== null);
            const second = other ?? first;
            const response = await get(`/v1/audit-logs?${filtersQuery(second, reversed)}&limit=${limit}&cursor=${encodeURIComponent(nextCursor!)}`, caller);
            if (sameFilters(first, second) && organizationOf[caller] === orgA) {
              expectStatus(response, 200);
              expectOwnOrganizationOnly(caller, '/v1/audit-logs', response);
            } else expectStatus(response, 400, 'invalid_cursor');
          },
        ),
        runs(50),
      );
    });

    type Mutation =
      | { kind: 'replace' | 'insert'; at: number; char: string }
      | { kind: 'delete' | 'truncate'; at: number }
      | { kind: 'field'; field: string; value: unknown }
      | { kind: 'resign'; secret: string; derived: boolean }
      | { kind: 'arbitrary'; text: string };

    const charArb = fc.oneof(fc.constantFrom(...'ABCxyz0189-_.=+/% '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
    const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constantFrom<'replace' | 'insert'>('replace', 'insert'), at: fc.nat(), char: charArb }),
      fc.record({ kind: fc.constantFrom<'delete' | 'truncate'>('delete', 'truncate'), at: fc.nat() }),
      fc.record({
        kind: fc.constant<'field'>('field'),
        field: fc.constantFrom('v', 'd', 't', 'i', 'f', 'u', 'h', 'extra'),
        value: fc.oneof(
          fc.constantFrom('o', 'n', 2, 0, null, '2000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', "' OR 1=1 --", '00000000-0000-0000-0000-000000000000'),
          fc.string({ maxLength: 40 }),
          fc.integer(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
      }),
      fc.record({ kind: fc.constant<'resign'>('resign'), secret: fc.oneof(fc.constant(SECRET), fc.string({ minLength: 1, maxLength: 64 })), derived: fc.boolean() }),
      fc.record({ kind: fc.constant<'arbitrary'>('arbitrary'), text: fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 1500 })) }),
    );

    /** The HMAC key the server derives from a secret (page-cursor.codec.ts), or the secret itself. */
    function resign(payload: string, secret: string, derived: boolean): string {
      const key = derived ? createHmac('sha256', secret).update('audit-log page cursor v1').digest() : Buffer.from(secret);
      return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
    }

    function apply(cursor: string, mutation: Mutation): string {
      const [payload, signature] = cursor.split('.');
      switch (mutation.kind) {
        case 'replace': {
          const at = mutation.at % cursor.length;
          return `${cursor.slice(0, at)}${mutation.char}${cursor.slice(at + 1)}`;
        }
        case 'insert': {
          const at = mutation.at % (cursor.length + 1);
          return `${cursor.slice(0, at)}${mutation.char}${cursor.slice(at)}`;
        }
        case 'delete': {
          const at = mutation.at % cursor.length;
          return `${cursor.slice(0, at)}${cursor.slice(at + 1)}`;
        }
        case 'truncate':
          return cursor.slice(0, mutation.at % cursor.length);
        case 'field': {
          const wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
          return `${Buffer.from(JSON.stringify({ ...wire, [mutation.field]: mutation.value })).toString('base64url')}.${signature}`;
        }
        case 'resign':
          return resign(payload, mutation.secret, mutation.derived);
        case 'arbitrary':
          return mutation.text;
      }
    }

    it('should refuse every forged, altered or re-signed cursor with a 400 on the cursor field', async () => {
      await fc.assert(
        fc.asyncProperty(mutationArb, async (mutation) => {
          const cursor = apply(original, mutation);
          // The server's own key (the configured secret, derived) is not a forgery; everything else is.
          const genuine = cursor === original || (mutation.kind === 'resign' && mutation.secret === SECRET && mutation.derived);
          const response = await get(`/v1/audit-logs?limit=5&cursor=${encodePart(cursor, 'component')}`, 'ownerA');
          if (genuine) return expectStatus(response, 200);
          expectStatus(response, 400);
          if ((JSON.parse(response.text) as { field?: string }).field !== 'cursor') fail('a 400 not naming the cursor', response);
        }),
        runs(80),
      );
    });
  });

  describe('tokens', () => {
    it('should answer any bearer string that is not a token it issued with 401', async () => {
      const headerSafe = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 300 });
      const jwtShaped = fc.tuple(headerSafe, headerSafe, headerSafe).map((parts) => parts.join('.'));
      await fc.assert(
        fc.asyncProperty(fc.oneof(headerSafe, jwtShaped), fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Basic ', ''), async (text, scheme) => {
          const response = await get('/v1/audit-logs?limit=5', null, `${scheme}${text}`);
          expectStatus(response, 401);
        }),
        runs(40),
      );
    });

    type Signing = 'right' | 'wrong-secret' | 'none' | 'hs512' | 'rs256-header' | 'empty-signature' | 'lowercase-alg';
    type Time = 'future' | 'past' | 'missing' | 'text';

    const claimsArb = fc.record({
      sub: fc.oneof(fc.constantFrom('user_x', 'user_1', ''), fc.string({ maxLength: 300 }), fc.integer(), fc.constant(undefined)),
      org: fc.oneof(
        { arbitrary: fc.constantFrom('A', 'B', 'org_nobody'), weight: 6 },
        { arbitrary: fc.constantFrom('', "org' OR 1=1", '../etc', '*', 'a'.repeat(200), 'org a', '-org'), weight: 2 },
        { arbitrary: fc.oneof(fc.integer(), fc.constant(undefined), fc.constant(['A'])), weight: 1 },
      ),
      role: fc.oneof({ arbitrary: fc.constantFrom(...ROLES), weight: 6 }, { arbitrary: fc.constantFrom('Security', 'OWNER', 'root', 'owner ', undefined, ['security']), weight: 2 }),
      email: fc.option(fc.oneof(fc.constantFrom('ada@acme.test', 'not an email'), fc.string({ maxLength: 60 })), { nil: undefined }),
      exp: fc.constantFrom<Time>('future', 'future', 'past', 'missing', 'text'),
      nbf: fc.constantFrom<Time>('missing', 'missing', 'past', 'future'),
    });

    it('should let only a correctly signed, current token with valid claims read, and then only its own organization', async () => {
      await fc.assert(
        fc.asyncProperty(
          claimsArb,
          fc.constantFrom<Signing>('right', 'right', 'right', 'wrong-secret', 'none', 'hs512', 'rs256-header', 'empty-signature', 'lowercase-alg'),
          async (generated, signing) => {
            const seconds = Math.floor(Date.now() / 1000);
            const at = (time: Time) => (time === 'future' ? seconds + 600 : time === 'past' ? seconds - 600 : time === 'text' ? 'soon' : undefined);
            const org = generated.org === 'A' ? orgA : generated.org === 'B' ? orgB : generated.org;
            const claims = { sub: generated.sub, org, role: generated.role, email: generated.email, exp: at(generated.exp), nbf: at(generated.nbf), iat: seconds - 5 };
            const alg = signing === 'none' ? 'none' : signing === 'hs512' ? 'HS512' : signing === 'rs256-header' ? 'RS256' : signing === 'lowercase-alg' ? 'hs256' : 'HS256';
            const sign =
              signing === 'none' || signing === 'empty-signature'
                ? () => ''
                : hmacSigner(signing === 'hs512' ? 'sha512' : 'sha256', signing === 'wrong-secret' ? `${SECRET}-but-another-one` : SECRET);
            const jwt = assembleJwt({ alg, typ: 'JWT' }, claims, sign);

            const validClaims =
              typeof claims.sub === 'string' &&
              claims.sub.length >= 1 &&
              claims.sub.length <= LIMITS.actorIdLength &&
              !CONTROL_CHARACTERS.test(claims.sub) &&
              typeof org === 'string' &&
              org.length <= LIMITS.organizationIdLength &&
              ORGANIZATION_ID_PATTERN.test(org) &&
              typeof claims.role === 'string' &&
              ROLES.includes(claims.role);
            const accepted = signing === 'right' && generated.exp === 'future' && generated.nbf !== 'future' && generated.nbf !== 'text' && validClaims;

            const response = await get('/v1/audit-logs?limit=1000', null, `Bearer ${jwt}`);
            if (!accepted) return expectStatus(response, 401, 'invalid_token');
            if (claims.role === 'member') return expectStatus(response, 403, 'forbidden');
            expectStatus(response, 200);
            if (claims.role === 'security') return;
            const page = JSON.parse(response.text) as Page;
            for (const event of page.data) if (event.organizationId !== org) fail(`a token of ${String(org)} read a row of ${event.organizationId}`, response);
            if (org !== orgA && response.text.includes(orgA)) fail(`a token of ${String(org)} saw ${orgA}`, response);
            if (org !== orgB && response.text.includes(orgB)) fail(`a token of ${String(org)} saw ${orgB}`, response);
          },
        ),
        runs(120),
      );
    });
  });
});
