import { CONTROL_CHARACTERS, LIMITS, ORGANIZATION_ID_PATTERN } from '@audit/contract';
import { isEmail } from 'class-validator';
import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { invalidToken } from '../http/api-errors';
import { QueryConfig } from '../query.config';
import { ROLES, type Principal, type Role } from './principal';

/** How long a verified token is remembered at most (a JWKS key retired meanwhile is honoured this much longer). */
const REMEMBER_MS = 60_000;
/** Bound on remembered tokens; beyond it the oldest are forgotten. */
const REMEMBER_MAX = 10_000;
/** How far ahead of this API's clock a token's issue time may be (the issuer's clock may run ahead a little). */
const ISSUED_AHEAD_SECONDS = 60;

/**
 * Turns a bearer token into a {@link Principal}: HS256 with a shared secret, or the identity
 * provider's keys from a JWKS URL (fetched and cached by jose, refreshed on an unknown `kid`).
 * Claims: `sub`, `email`, `org`, `role`; `exp`, and `iat` within AUTH_TOKEN_MAX_LIFETIME_SECONDS of it.
 *
 * A console sends the same token with every request: a verified token is remembered (by its whole
 * text, signature included, so any other token is verified afresh) until its `exp` or for
 * REMEMBER_MS, whichever comes first — the signature check and claim parsing are a noticeable share
 * of a cached page's cost. Refusals are not remembered.
 */
@Injectable()
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly options: JWTVerifyOptions;
  private readonly maxLifetimeSeconds: number;
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(config: QueryConfig) {
    this.key = config.AUTH_JWKS_URL ? createRemoteJWKSet(new URL(config.AUTH_JWKS_URL)) : new TextEncoder().encode(config.AUTH_JWT_SECRET);
    this.maxLifetimeSeconds = config.AUTH_TOKEN_MAX_LIFETIME_SECONDS;
    this.options = {
      algorithms: config.AUTH_JWKS_URL ? ['RS256', 'PS256', 'ES256', 'EdDSA'] : ['HS256'],
      // A token without an expiry would stay valid forever if it leaked; with a lifetime limit, its
      // issue time bounds how long it was meant to live (and may not be in the future).
      requiredClaims: this.maxLifetimeSeconds > 0 ? ['exp', 'iat'] : ['exp'],
      ...(config.AUTH_JWT_ISSUER && { issuer: config.AUTH_JWT_ISSUER }),
      ...(config.AUTH_JWT_AUDIENCE && { audience: config.AUTH_JWT_AUDIENCE }),
    };
  }

  /** Throws `invalid_token` (401) for a bad signature, an expired token or missing claims. */
  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known && now < known.until) return known.principal;
    if (known) this.verified.delete(token);
    const { principal, expiresAt } = await this.verifyAfresh(token);
    if (this.verified.size >= REMEMBER_MAX) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { principal, until: Math.min(expiresAt, now + REMEMBER_MS) });
    return principal;
  }

  private async verifyAfresh(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    let claims: Record<string, unknown>;
    try {
      // Overloads of jwtVerify differ for a key and a key getter; both are valid here.
      ({ payload: claims } = await jwtVerify(token, this.key as Uint8Array, this.options));
    } catch {
      throw invalidToken('the bearer token is invalid or expired');
    }
    if (this.maxLifetimeSeconds > 0) {
      // jwtVerify requires `iat` then, and has checked it is a number.
      const issuedAt = claims.iat as number;
      if (issuedAt > Date.now() / 1000 + ISSUED_AHEAD_SECONDS) throw invalidToken('the bearer token was issued in the future');
      if ((claims.exp as number) - issuedAt > this.maxLifetimeSeconds) throw invalidToken(`the bearer token lives longer than this API accepts (${this.maxLifetimeSeconds} s from its issue time)`);
    }
    const { sub, org, role, email } = claims;
    // sub and org become the actor and tenant of the read's own audit event: the contract's rules for those apply.
    const validSubject = typeof sub === 'string' && sub.length >= 1 && sub.length <= LIMITS.actorIdLength && !CONTROL_CHARACTERS.test(sub);
    const validOrganization = typeof org === 'string' && org.length <= LIMITS.organizationIdLength && ORGANIZATION_ID_PATTERN.test(org);
    if (!validSubject || !validOrganization || !ROLES.includes(role as Role)) {
      throw invalidToken('the bearer token lacks a valid sub, org or role claim');
    }
    // The email is informational (it names the reader in the audit event of a read); one the event
    // contract would refuse is left out rather than failing the read.
    const validEmail = typeof email === 'string' && email.length <= LIMITS.emailLength && isEmail(email);
    // jwtVerify requires `exp` and has checked it is a number in the future.
    const expiresAt = (claims.exp as number) * 1000;
    return { principal: { subject: sub, organizationId: org, role: role as Role, ...(validEmail && { email }) }, expiresAt };
  }
}
