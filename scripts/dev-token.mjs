// Development credentials for the local stack: a per-checkout HS256 secret, Ed25519 signing key and
// streams secret key kept in .data, and a token for the Owner of the demo organization. Never used outside `npm start` and tests.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_ORGANIZATION = 'org_demo';

/** A per-checkout value kept in .data/<name>, made by `make` the first time. */
function devFile(name, make) {
  const file = join(root, '.data', name);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, make(), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

export const devSecret = () => devFile('dev-jwt-secret', () => randomBytes(32).toString('base64url'));

/** A per-checkout Ed25519 key (PKCS#8 PEM) for AUDIT_CHAIN_SIGNING_KEY: checkpoints and verified exports. */
export const devSigningKey = () => devFile('dev-chain-signing-key.pem', () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));

/** A per-checkout 32-byte key (base64) for STREAMS_SECRET_KEY: seals stream destination secrets. */
export const devStreamsKey = () => devFile('dev-streams-secret-key', () => randomBytes(32).toString('base64'));

export async function devToken({ secret = devSecret(), role = 'owner', organizationId = DEMO_ORGANIZATION, email = 'owner@demo.test', ttl = '12h' } = {}) {
  return new SignJWT({ org: organizationId, role, email })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`user_${role}`)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(new TextEncoder().encode(secret));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [role = 'owner', organizationId = DEMO_ORGANIZATION] = process.argv.slice(2);
  console.log(await devToken({ role, organizationId }));
}
