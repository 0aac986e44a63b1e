import { loadConfig } from '@audit/config';
import { QueryLimitsConfig } from './limits/query-limits.config';
import { QueryConfig } from './query.config';

const JWKS = { AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json', AUTH_JWT_ISSUER: 'https://idp.example.com/', AUTH_JWT_AUDIENCE: 'audit-api', QUERY_CURSOR_SECRET: 'c'.repeat(32) };
const without = (name: keyof typeof JWKS) => Object.fromEntries(Object.entries(JWKS).filter(([key]) => key !== name));

describe('QueryConfig at boot', () => {
  it('should take a JWKS deployment that names its issuer and audience over https', () => {
    expect(loadConfig(QueryConfig, JWKS)).toMatchObject({ AUTH_JWKS_URL: JWKS.AUTH_JWKS_URL, AUTH_JWT_ISSUER: JWKS.AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE: 'audit-api' });
  });

  it.each(['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE'] as const)('should refuse to boot with AUTH_JWKS_URL but without %s, naming it', (name) => {
    expect(() => loadConfig(QueryConfig, without(name))).toThrow(new RegExp(`${name}: ${name} is required when AUTH_JWKS_URL is set`));
  });

  it('should refuse a JWKS URL over plain http to another host, naming the variable and the way out', () => {
    expect(() => loadConfig(QueryConfig, { ...JWKS, AUTH_JWKS_URL: 'http://idp.example.com/jwks.json' })).toThrow(/AUTH_JWKS_URL: .*https.*AUTH_JWKS_ALLOW_HTTP/);
  });

  it.each(['http://127.0.0.1:8080/jwks.json', 'http://localhost/jwks.json', 'http://[::1]:9000/jwks.json'])('should take plain http to the loopback interface (%s)', (url) => {
    expect(loadConfig(QueryConfig, { ...JWKS, AUTH_JWKS_URL: url }).AUTH_JWKS_URL).toBe(url);
  });

  it('should take plain http to another host when AUTH_JWKS_ALLOW_HTTP says so', () => {
    expect(loadConfig(QueryConfig, { ...JWKS, AUTH_JWKS_URL: 'http://idp.internal/jwks.json', AUTH_JWKS_ALLOW_HTTP: 'true' }).AUTH_JWKS_ALLOW_HTTP).toBe(true);
  });

  it('should limit token lifetimes to a day unless told otherwise, and take 0 as no limit', () => {
    expect(loadConfig(QueryConfig, { AUTH_JWT_SECRET: 's'.repeat(32) }).AUTH_TOKEN_MAX_LIFETIME_SECONDS).toBe(86_400);
    expect(loadConfig(QueryConfig, { AUTH_JWT_SECRET: 's'.repeat(32), AUTH_TOKEN_MAX_LIFETIME_SECONDS: '0' }).AUTH_TOKEN_MAX_LIFETIME_SECONDS).toBe(0);
    expect(() => loadConfig(QueryConfig, { AUTH_JWT_SECRET: 's'.repeat(32), AUTH_TOKEN_MAX_LIFETIME_SECONDS: '-1' })).toThrow(/AUTH_TOKEN_MAX_LIFETIME_SECONDS/);
  });
});

describe('QueryLimitsConfig at boot', () => {
  it('should refuse a per-organization limit above the instance’s, naming both', () => {
    expect(() => loadConfig(QueryLimitsConfig, { QUERY_EXPORT_MAX_CONCURRENT: '2', QUERY_EXPORT_MAX_CONCURRENT_PER_TENANT: '3' })).toThrow(
      /QUERY_EXPORT_MAX_CONCURRENT_PER_TENANT must not exceed QUERY_EXPORT_MAX_CONCURRENT/,
    );
  });
});
