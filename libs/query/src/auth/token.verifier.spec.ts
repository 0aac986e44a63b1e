import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueryConfig } from '../query.config';
import { TokenVerifier } from './token.verifier';

const SECRET = 'unit-test-secret-that-is-at-least-32-chars';

function config(values: Partial<QueryConfig>): QueryConfig {
  return Object.assign(new QueryConfig(), values);
}

const claims = { org: 'org_1', role: 'admin', email: 'ada@example.com' };

describe('TokenVerifier with an HS256 secret', () => {
  const verifier = new TokenVerifier(config({ AUTH_JWT_SECRET: SECRET }));
  const sign = (payload: JWTPayload, expiresIn: string | number = '5m', secret = SECRET) =>
    new SignJWT({ sub: 'user_1', ...payload })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(typeof expiresIn === 'number' ? expiresIn - 60 : undefined)
      .setExpirationTime(expiresIn)
      .sign(new TextEncoder().encode(secret));

  it('should turn valid claims into a principal', async () => {
    await expect(verifier.verify(await sign(claims))).resolves.toEqual({ subject: 'user_1', organizationId: 'org_1', role: 'admin', email: 'ada@example.com' });
  });

  it.each([
    ['an expired token', () => sign(claims, Math.floor(Date.now() / 1000) - 10)],
    ['another secret', () => sign(claims, '5m', 'x'.repeat(40))],
    ['an unknown role', () => sign({ ...claims, role: 'superuser' })],
    ['no organization', () => sign({ role: 'admin' })],
    ['an organization longer than the contract allows', () => sign({ ...claims, org: 'o'.repeat(129) })],
    ['a subject with a control character', () => sign({ ...claims, sub: 'user\n1' })],
    ['an empty subject', () => sign({ ...claims, sub: '' })],
    ['no expiry', () => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('user_1').setIssuedAt().sign(new TextEncoder().encode(SECRET))],
    ['no issue time (iat), with a maximum lifetime in force', () => new SignJWT({ sub: 'user_1', ...claims }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))],
    ['a lifetime (exp − iat) over the maximum', () => sign({ ...claims, iat: Math.floor(Date.now() / 1000) - 60 }, Math.floor(Date.now() / 1000) + 86_400)],
    ['an issue time in the future', () => sign({ ...claims, iat: Math.floor(Date.now() / 1000) + 3_600 }, Math.floor(Date.now() / 1000) + 4_000)],
  ])('should refuse %s as invalid_token', async (_name, make) => {
    await expect(verifier.verify(await make())).rejects.toMatchObject({ body: { statusCode: 401, code: 'invalid_token' } });
  });

  it('should remember a verified token no longer than its expiry', async () => {
    const token = await sign(claims, Math.floor(Date.now() / 1000) + 2);
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user_1' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user_1' });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2000 - (Date.now() % 1000)) + 1100));
    await expect(verifier.verify(token)).rejects.toMatchObject({ body: { statusCode: 401, code: 'invalid_token' } });
  });

  it('should verify afresh a token that differs from a remembered one only in its signature', async () => {
    const token = await sign(claims);
    await verifier.verify(token);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ body: { statusCode: 401, code: 'invalid_token' } });
  });

  it('should take a token without an issue time when no maximum lifetime is set (0)', async () => {
    const lenient = new TokenVerifier(config({ AUTH_JWT_SECRET: SECRET, AUTH_TOKEN_MAX_LIFETIME_SECONDS: 0 }));
    const token = await new SignJWT({ sub: 'user_1', ...claims }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2d').sign(new TextEncoder().encode(SECRET));
    await expect(lenient.verify(token)).resolves.toMatchObject({ subject: 'user_1' });
  });

  it('should leave out an email the audit contract would refuse, not fail the read', async () => {
    await expect(verifier.verify(await sign({ ...claims, email: 'not an email' }))).resolves.not.toHaveProperty('email');
  });
});

describe('TokenVerifier with a JWKS URL', () => {
  let server: Server;
  let url: string;
  let privateKey: KeyLike;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('should accept a token signed by a key of the identity provider', async () => {
    const verifier = new TokenVerifier(config({ AUTH_JWKS_URL: url }));
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('user_2').setIssuedAt().setExpirationTime('5m').sign(privateKey);
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user_2', organizationId: 'org_1', role: 'admin' });
  });

  it('should refuse an HS256 token when keys come from JWKS', async () => {
    const verifier = new TokenVerifier(config({ AUTH_JWKS_URL: url, AUTH_JWT_SECRET: SECRET }));
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('user_1').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    await expect(verifier.verify(token)).rejects.toMatchObject({ body: { code: 'invalid_token' } });
  });
});
