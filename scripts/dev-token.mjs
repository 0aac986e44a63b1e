// Development credentials for the local stack: a per-checkout HS256 secret and Ed25519 signing key
// kept in .data, and a token for the Owner of the demo organization. Never used outside `npm start` and tests.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_ORGANIZATION = 'org_demo';

export function devSecret() {
  const file = join(root, '.data', 'dev-jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

/** A per-checkout Ed25519 key (PKCS#8 PEM) for AUDIT_CHAIN_SIGNING_KEY: checkpoints and verified exports. */
export function devSigningKey() {
  const file = join(root, '.data', 'dev-chain-signing-key.pem');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

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
