import { startQueryTestApp, token, type QueryTestApp } from './query-test-app';

/**
 * A method an existing route does not take is the client's mistake about the method, not about the
 * path: RFC 9110 §15.5.6 answers it with 405 and an `Allow` header listing what the route takes, so
 * a client (or a proxy's logs) can tell a typo in the path from a wrong verb.
 */
describe('a method a route does not take', () => {
  let api: QueryTestApp;
  let owner: string;

  beforeAll(async () => {
    api = await startQueryTestApp();
    owner = await token('org_405', 'owner');
  });

  afterAll(async () => {
    await api?.close();
  });

  const call = (method: string, path: string, bearer?: string) =>
    fetch(`${api.baseUrl}${path}`, { method, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

  it('should be refused with 405 naming the methods the route takes, with or without a token', async () => {
    for (const bearer of [undefined, owner]) {
      const response = await call('DELETE', '/v1/audit-logs', bearer);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(await response.json()).toEqual({ statusCode: 405, code: 'method_not_allowed', message: 'this endpoint does not take that method' });
    }
  });

  it('should list every method of a path that several handlers share, and match paths with parameters', async () => {
    const holds = await call('PUT', '/v1/legal-holds', owner);
    expect(holds.status).toBe(405);
    expect(holds.headers.get('allow')).toBe('GET, HEAD, POST');

    const release = await call('GET', '/v1/legal-holds/lh_0000/release', owner);
    expect(release.status).toBe(405);
    expect(release.headers.get('allow')).toBe('POST');
  });

  it('should still answer 404 for a path no route has, and keep a handler\'s own 404', async () => {
    const unknown = await call('DELETE', '/v1/no-such-thing', owner);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('allow')).toBeNull();

    const missingHold = await call('POST', '/v1/legal-holds/lh_does_not_exist/release', owner);
    expect(missingHold.status).not.toBe(405);
    expect(missingHold.headers.get('allow')).toBeNull();
  });
});
