import { randomBytes } from 'node:crypto';
import { SecretCipher } from './secret.cipher';

describe('SecretCipher', () => {
  const key = randomBytes(32);
  const cipher = SecretCipher.fromKey(key.toString('base64'));

  it('should open what it sealed for the same stream, and seal the same secret differently each time', () => {
    const sealed = cipher.seal('hec-token-1234567890', 'stream_a');
    expect(cipher.open(sealed, 'stream_a')).toBe('hec-token-1234567890');
    expect(cipher.seal('hec-token-1234567890', 'stream_a')).not.toBe(sealed);
    expect(sealed).not.toContain('hec-token');
  });

  it('should accept the key as 64 hex digits too, with the same key id', () => {
    expect(SecretCipher.fromKey(key.toString('hex')).keyId).toBe(cipher.keyId);
  });

  it.each([
    ['another stream', (sealed: string) => cipher.open(sealed, 'stream_b')],
    ['another key', (sealed: string) => SecretCipher.fromKey(randomBytes(32).toString('base64')).open(sealed, 'stream_a')],
    ['an altered ciphertext', (sealed: string) => cipher.open(`${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`, 'stream_a')],
  ])('should refuse to open a secret sealed for %s', (_name, open) => {
    expect(() => open(cipher.seal('secret-value', 'stream_a'))).toThrow();
  });

  it.each(['', 'short', randomBytes(16).toString('base64'), randomBytes(33).toString('hex'), 'z'.repeat(64)])('should refuse the key %j, naming the variable and not the value', (text) => {
    expect(() => SecretCipher.fromKey(text)).toThrow(/^STREAMS_SECRET_KEY must be 32 random bytes/);
  });
});
