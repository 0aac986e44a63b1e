import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Ed25519 keys for checkpoints and export manifests. The private key stays with the ingestor and
 * the query service; auditors get the public key (PEM) and nothing else.
 */
export interface SigningKey {
  /** First 16 hex digits of SHA-256 over the public key's DER: names the key in what it signs. */
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Reads a PKCS#8 PEM private key (or its base64 DER body) and checks it is Ed25519. */
export function loadSigningKey(pemOrBase64: string): SigningKey {
  const text = pemOrBase64.trim();
  const privateKey = text.startsWith('-----')
    ? createPrivateKey(text)
    : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`signing key must be Ed25519, got ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** Reads an SPKI PEM public key (what an auditor is given). */
export function loadPublicKey(pem: string): KeyObject {
  const publicKey = createPublicKey(pem.trim());
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`public key must be Ed25519, got ${publicKey.asymmetricKeyType}`);
  return publicKey;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

export function publicKeyPem(key: SigningKey): string {
  return key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

/** Ed25519 signature of the UTF-8 bytes of `message`, base64. */
export function signMessage(key: SigningKey, message: string): string {
  return sign(null, Buffer.from(message, 'utf8'), key.privateKey).toString('base64');
}

export function verifyMessage(publicKey: KeyObject, message: string, signature: string): boolean {
  return verify(null, Buffer.from(message, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
}

/** `valid`: the given public key verifies it; `invalid`: it does not; `unverified`: no key, or another key signed it. */
export type SignatureStatus = 'valid' | 'invalid' | 'unverified';

/** Checks a signed record's signature over `message` with the deployment's public key (absent: `unverified`). */
export function signatureStatus(publicKey: KeyObject | undefined, keyId: string, message: string, signature: string): SignatureStatus {
  if (!publicKey || keyIdOf(publicKey) !== keyId) return 'unverified';
  try {
    return verifyMessage(publicKey, message, signature) ? 'valid' : 'invalid';
  } catch {
    // A signature that is not even well-formed base64 of 64 bytes.
    return 'invalid';
  }
}
