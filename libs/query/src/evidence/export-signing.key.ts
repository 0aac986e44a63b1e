import { loadSigningKey, type SigningKey } from '@audit/integrity';
import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../http/api-errors';

/** Injection token of the Ed25519 key that signs verified-export manifests (null: not configured). */
export const EXPORT_SIGNING_KEY = Symbol('EXPORT_SIGNING_KEY');

/** Loads AUDIT_CHAIN_SIGNING_KEY at boot: a malformed key stops the process, naming the variable. */
export function loadExportSigningKey(text: string | undefined): SigningKey | null {
  if (text === undefined || text.trim() === '') return null;
  try {
    return loadSigningKey(text);
  } catch (error) {
    throw new Error(`AUDIT_CHAIN_SIGNING_KEY is not a usable Ed25519 private key (PKCS#8 PEM or base64 DER): ${(error as Error).message}`);
  }
}

/** The key, or the 503 a request that needs it gets when the deployment has none. */
export function requireSigningKey(key: SigningKey | null): SigningKey {
  if (key) return key;
  throw new ApiError({
    statusCode: HttpStatus.SERVICE_UNAVAILABLE,
    code: 'signing_key_missing',
    message: 'verified exports need the deployment’s signing key (AUDIT_CHAIN_SIGNING_KEY), which is not configured',
  });
}
