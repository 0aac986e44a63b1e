import { generateKeyPairSync } from 'node:crypto';
import { keyIdOf, loadPublicKey, loadSigningKey, publicKeyPem, signMessage, verifyMessage } from './signing';

describe('signing', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  it('should sign with the private key and verify with the public key alone', () => {
    const key = loadSigningKey(pem);
    const signature = signMessage(key, 'head 42');
    const auditorKey = loadPublicKey(publicKeyPem(key));
    expect(verifyMessage(auditorKey, 'head 42', signature)).toBe(true);
    expect(verifyMessage(auditorKey, 'head 43', signature)).toBe(false);
    expect(keyIdOf(auditorKey)).toBe(key.keyId);
  });

  it('should accept the key as base64 DER as well as PEM', () => {
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(loadSigningKey(der).keyId).toBe(loadSigningKey(pem).keyId);
  });

  it('should refuse a key that is not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => loadSigningKey(rsa)).toThrow(/Ed25519/);
  });
});
