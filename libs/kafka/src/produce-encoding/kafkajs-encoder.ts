import { createRequire } from 'node:module';

/** The part of kafkajs's protocol `Encoder` (src/protocol/encoder.js) the produce encoding reads, writes or patches. */
export interface KafkajsEncoder {
  /** Its memory; bytes `[0, offset)` are the encoding, what follows is spare room. */
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  writeEncoder(value: KafkajsEncoder): KafkajsEncoder;
  writeVarLong(value: unknown): KafkajsEncoder;
}

export interface KafkajsEncoderClass {
  new (initialSize?: number): KafkajsEncoder;
  prototype: KafkajsEncoder;
  sizeOfVarLong(value: unknown): number;
}

export const KafkajsEncoder = createRequire(__filename)('kafkajs/src/protocol/encoder') as KafkajsEncoderClass;

/** A kafkajs Encoder whose encoding is exactly `bytes` (no copy), for kafkajs code that takes an Encoder: its request framing, a codec's `compress`. */
export function encoderHolding(bytes: Buffer): KafkajsEncoder {
  const encoder = new KafkajsEncoder(0);
  encoder.buf = bytes;
  encoder.offset = bytes.length;
  return encoder;
}
