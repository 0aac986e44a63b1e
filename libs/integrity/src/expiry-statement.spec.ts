import { generateKeyPairSync } from 'node:crypto';
import { anchorLine, parseAnchorLines } from './anchor-file';
import { signCheckpoint } from './chain-checkpoint';
import { expiryStatementMessage, expiryStatementStatus, signExpiryStatement } from './expiry-statement';
import { loadSigningKey } from './signing';

const newKey = () => loadSigningKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());

describe('expiry statements', () => {
  const key = newKey();
  const last = { seq: 42, hash: 'ab'.repeat(32) };
  const expiredAt = Date.parse('2032-11-25T00:00:00.000Z');
  const signedAt = new Date('2032-11-25T20:00:00.000Z');

  it('should sign the documented message: the prefix, then organizationId, chainSeq, chainHash, expiredAt, signedAt, keyId in that order', () => {
    const statement = signExpiryStatement(key, 'org_a', last, expiredAt, signedAt);

    expect(expiryStatementMessage(statement)).toBe(
      'audit-pipeline expiry statement v1\n' +
        `{"organizationId":"org_a","chainSeq":42,"chainHash":"${last.hash}","expiredAt":"2032-11-25T00:00:00.000Z","signedAt":"2032-11-25T20:00:00.000Z","keyId":"${key.keyId}"}`,
    );
    expect(expiryStatementStatus(statement, key.publicKey)).toBe('valid');
  });

  it('should call a statement with any signed field changed invalid, and one whose links expire after it was signed', () => {
    const statement = signExpiryStatement(key, 'org_a', last, expiredAt, signedAt);

    for (const changed of [{ chainSeq: 43 }, { chainHash: 'cd'.repeat(32) }, { organizationId: 'org_b' }, { signedAt: '2032-11-26T00:00:00.000Z' }, { signature: 'not base64' }]) {
      expect(expiryStatementStatus({ ...statement, ...changed }, key.publicKey)).toBe('invalid');
    }
    expect(expiryStatementStatus({ ...statement, expiredAt: '2032-11-26T00:00:00.000Z' }, undefined)).toBe('invalid');
  });

  it('should leave a statement unverified without a key or with another deployment’s key', () => {
    const statement = signExpiryStatement(key, 'org_a', last, expiredAt, signedAt);

    expect(expiryStatementStatus(statement, undefined)).toBe('unverified');
    expect(expiryStatementStatus(statement, newKey().publicKey)).toBe('unverified');
  });

  it('should refuse to sign links that have not expired yet', () => {
    expect(() => signExpiryStatement(key, 'org_a', last, signedAt.getTime() + 1, signedAt)).toThrow('not expired yet');
  });

  it('should never verify a checkpoint signature as a statement of the same fields', () => {
    const checkpoint = signCheckpoint(key, 'org_a', last, signedAt);

    expect(expiryStatementStatus({ ...checkpoint, expiredAt: new Date(expiredAt).toISOString() }, key.publicKey)).toBe('invalid');
  });
});

describe('anchor file', () => {
  const key = newKey();
  const hash = 'ab'.repeat(32);

  it("should keep each organization's newest checkpoint and newest expiry statement, and refuse a line that is neither", () => {
    const records = [
      signCheckpoint(key, 'org_a', { seq: 5, hash }),
      signExpiryStatement(key, 'org_a', { seq: 2, hash }, Date.now() - 1000),
      signCheckpoint(key, 'org_b', { seq: 42, hash }),
      signCheckpoint(key, 'org_a', { seq: 9, hash }),
      signExpiryStatement(key, 'org_a', { seq: 4, hash }, Date.now() - 1000),
    ];
    const text = `${records.map(anchorLine).join('\n')}\n`;

    const file = parseAnchorLines(text);

    expect(file.checkpoints.get('org_a')?.chainSeq).toBe(9);
    expect(file.checkpoints.get('org_b')?.chainSeq).toBe(42);
    expect(file.expiries.get('org_a')).toEqual(records[4]);
    expect(file.expiries.has('org_b')).toBe(false);
    expect(() => parseAnchorLines(`${text}{"organizationId":"org_a"}\n`)).toThrow('line 6');
    expect(() => parseAnchorLines(`${text}${JSON.stringify({ ...records[0], kind: 'other' })}\n`)).toThrow('line 6');
  });
});
