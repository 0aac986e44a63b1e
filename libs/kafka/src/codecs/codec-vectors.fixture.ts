// The known vectors of the decoders' specs (codec-vectors.json, written by CodecVectors.java with
// the compressors of the Java client Kafka ships). A case holds the plain bytes' length and SHA-256.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CodecVector {
  length: number;
  sha256: string;
  /** As a Kafka producer writes each codec (base64). */
  snappy: string;
  snappyRaw: string;
  lz4: string;
  lz4Full: string;
  zstd: string;
}

export type VectorName = 'empty' | 'short' | 'random' | 'repeat';

export const codecVectors = JSON.parse(readFileSync(join(__dirname, 'codec-vectors.json'), 'utf8')) as Record<VectorName, CodecVector>;

export const vectorNames = Object.keys(codecVectors) as VectorName[];

/** What a spec compares a decoded buffer with: its length and SHA-256, as the vector states them. */
export function digest(bytes: Buffer): Pick<CodecVector, 'length' | 'sha256'> {
  return { length: bytes.length, sha256: createHash('sha256').update(bytes).digest('base64') };
}

export function expected(name: VectorName): Pick<CodecVector, 'length' | 'sha256'> {
  return { length: codecVectors[name].length, sha256: codecVectors[name].sha256 };
}
