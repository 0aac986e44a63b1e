import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * Seals destination secrets at rest with AES-256-GCM: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url),
 * the stream id as additional data, so a sealed secret cannot be moved to another stream. The key
 * (32 bytes, `STREAMS_SECRET_KEY` as base64 or 64 hex digits) is validated when the process boots.
 */
export class SecretCipher {
  readonly keyId: string;

  private constructor(private readonly key: Buffer) {
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  /** Throws a message naming the variable (never the key) when it is not 32 bytes of base64 or hex. */
  static fromKey(text: string, variable = 'STREAMS_SECRET_KEY'): SecretCipher {
    const trimmed = text.trim();
    const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
    if (key?.length !== 32) {
      throw new Error(`${variable} must be 32 random bytes as base64 (44 characters) or hex (64 digits), e.g. from \`openssl rand -base64 32\``);
    }
    return new SecretCipher(key);
  }

  seal(secret: string, streamId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(streamId));
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  /** Throws when the secret was sealed with another key or for another stream, or was altered. */
  open(sealed: string, streamId: string): string {
    const [version, keyId, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || data === undefined) throw new Error('the sealed secret is malformed');
    if (keyId !== this.keyId) throw new Error(`the secret was sealed with key ${keyId}, not the configured key ${this.keyId} (was STREAMS_SECRET_KEY changed?)`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(streamId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}
