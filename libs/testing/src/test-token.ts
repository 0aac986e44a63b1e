import { SignJWT } from 'jose';

export interface TestTokenOptions {
  /** The HS256 secret the app under test was configured with. */
  secret: string;
  organizationId: string;
  role?: string;
  email?: string;
  subject?: string;
  /** A duration (`'5m'`) or an absolute expiry in epoch seconds (a past one makes an expired token). */
  expiresIn?: string | number;
}

/** A bearer token shaped like the identity provider's (claims `sub`, `email`, `org`, `role`). */
export function signTestToken({ secret, organizationId, role = 'owner', email, subject, expiresIn = '10m' }: TestTokenOptions): Promise<string> {
  return new SignJWT({ org: organizationId, role, email: email ?? `${role}@example.test` })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject ?? `user_${role}`)
    // An absolute expiry gets an issue time just before it, so an expired token is otherwise valid.
    .setIssuedAt(typeof expiresIn === 'number' ? expiresIn - 60 : undefined)
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
