import { generateKeyPairSync } from 'node:crypto';
import { checkpointMessage, checkpointSignatureStatus, readPublicKey, signCheckpoint } from './chain-checkpoint';
import { loadSigningKey, publicKeyPem } from './signing';

const newKey = () => loadSigningKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());

describe('chain checkpoints', () => {
  const key = newKey();
  const head = { seq: 42, hash: 'ab'.repeat(32) };

  it('should sign the documented message: organizationId, chainSeq, chainHash, signedAt, keyId in that order', () => {
    const checkpoint = signCheckpoint(key, 'org_a', head, new Date('2026-11-25T20:00:00.000Z'));

    expect(checkpointMessage(checkpoint)).toBe(
      `{"organizationId":"org_a","chainSeq":42,"chainHash":"${head.hash}","signedAt":"2026-11-25T20:00:00.000Z","keyId":"${key.keyId}"}`,
    );
    expect(checkpointSignatureStatus(checkpoint, key.publicKey)).toBe('valid');
  });

  it('should call a checkpoint with any signed field changed invalid', () => {
    const checkpoint = signCheckpoint(key, 'org_a', head);

    expect(checkpointSignatureStatus({ ...checkpoint, chainSeq: 41 }, key.publicKey)).toBe('invalid');
    expect(checkpointSignatureStatus({ ...checkpoint, chainHash: 'cd'.repeat(32) }, key.publicKey)).toBe('invalid');
    expect(checkpointSignatureStatus({ ...checkpoint, signature: 'not base64 of a signature' }, key.publicKey)).toBe('invalid');
  });

  it('should leave a checkpoint unverified without a key, or with the key of another deployment', () => {
    const checkpoint = signCheckpoint(key, 'org_a', head);

    expect(checkpointSignatureStatus(checkpoint, undefined)).toBe('unverified');
    expect(checkpointSignatureStatus(checkpoint, newKey().publicKey)).toBe('unverified');
  });

  it('should read a public key as PEM or as the base64 of its DER', () => {
    const pem = publicKeyPem(key);
    const base64 = pem.replace(/-----[A-Z ]+-----|\s/g, '');

    expect(readPublicKey(base64).equals(key.publicKey)).toBe(true);
    expect(readPublicKey(pem).equals(key.publicKey)).toBe(true);
  });
});
