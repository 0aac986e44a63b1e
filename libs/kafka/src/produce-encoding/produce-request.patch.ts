import { createRequire } from 'node:module';
import { encodeProduceRequest, hasDeclaredTypes, type ProduceArgs } from './produce-request.encoder';
import { encoderHolding, KafkajsEncoder } from './kafkajs-encoder';

export type { ProduceArgs, ProducedMessage } from './produce-request.encoder';

/** A kafkajs request definition as its connections take it. */
interface KafkajsRequest {
  apiVersion: number;
  encode(): Promise<KafkajsEncoder>;
}

/** kafkajs's produce protocol: `protocol({ version })(args)` gives the request and its response decoder. */
export type ProduceProtocol = (options: { version: number }) => (args: ProduceArgs) => { request: KafkajsRequest; response: unknown };

/** kafkajs's `requests/produce` module: the table its brokers look the produce request up in, on every send. */
const produceRequests = createRequire(__filename)('kafkajs/src/protocol/requests/produce') as { protocol: ProduceProtocol };

/** Produce versions with v3's layout (v4–v7 only raise the version number); others keep kafkajs's encoding. */
const SINGLE_BUFFER_VERSIONS = new Set([3, 4, 5, 6, 7]);

/**
 * Room left in front of a produce body for the request header kafkajs writes before it (`protocol/
 * request.js`: size 4, API key 2, version 2, correlation id 4, client id 2 + its bytes): client ids up
 * to 242 bytes. A longer one is copied as kafkajs copies it.
 */
const REQUEST_HEADROOM_BYTES = 256;

/** The unpatched protocol, kept on the patched one. */
const KAFKAJS_PROTOCOL = Symbol('kafkajs produce protocol');
/** Marks kafkajs's Encoder prototype once its `writeEncoder` is patched. */
const PATCHED = Symbol('writeEncoder patched');

/**
 * Encoders whose bytes sit in a larger buffer with free room before them: `view` is exactly their
 * encoding (`buf === view`, `offset === view.length`), starting `at` bytes into `whole`, and
 * `whole[0, at)` belongs to nobody else. Only produce bodies made here, and the encoders that wrote
 * a header in front of one, are in it.
 */
const roomInFront = new WeakMap<KafkajsEncoder, { whole: Buffer; at: number; view: Buffer }>();

function withRoomInFront(whole: Buffer, at: number): KafkajsEncoder {
  const encoder = encoderHolding(whole.subarray(at));
  roomInFront.set(encoder, { whole, at, view: encoder.buf });
  return encoder;
}

/**
 * kafkajs's `protocol/request.js` frames every request by writing its header into a new Encoder and
 * then the body after it (`writeEncoder`), and then the size and that whole again into another one:
 * two more copies of the body, each into a zero-filled buffer of up to twice its size. For a body with room in front, the header
 * (the few bytes the writing Encoder holds) is copied into that room instead, and the Encoder takes
 * the body's memory as its own. Safe because the room is the body's alone, the Encoder writing the
 * header is the only one to take it (the body leaves the table), and an Encoder's memory past its
 * end never aliases: the body has no spare room, so a later write to either one reallocates first.
 * Any other Encoder, or a body written to since, is copied as before.
 */
function patchWriteEncoder(): void {
  const prototype = KafkajsEncoder.prototype as KafkajsEncoder & { [PATCHED]?: true };
  if (prototype[PATCHED]) return;
  const kafkajsWriteEncoder = prototype.writeEncoder;
  prototype.writeEncoder = function writeEncoder(this: KafkajsEncoder, value: KafkajsEncoder): KafkajsEncoder {
    const room = roomInFront.get(value);
    const intact = room !== undefined && value.buf === room.view && value.offset === room.view.length;
    if (!intact || this.offset > room.at) return kafkajsWriteEncoder.call(this, value);
    roomInFront.delete(value);
    const start = room.at - this.offset;
    this.buf.copy(room.whole, start, 0, this.offset);
    this.buf = room.whole.subarray(start, room.at + value.offset);
    this.offset = this.buf.length;
    roomInFront.set(this, { whole: room.whole, at: start, view: this.buf });
    return this;
  };
  prototype[PATCHED] = true;
}

/** `protocol` with produce requests v3–v7 encoded by {@link encodeProduceRequest}; messages of other types go to kafkajs's own encoder. */
function withSingleBufferEncoding(protocol: ProduceProtocol): ProduceProtocol {
  const patched: ProduceProtocol = ({ version }) => {
    const build = protocol({ version });
    if (!SINGLE_BUFFER_VERSIONS.has(version)) return build;
    return (args) => {
      const built = build(args);
      const kafkajsEncode = built.request.encode;
      built.request.encode = async () => (hasDeclaredTypes(args) ? withRoomInFront(await encodeProduceRequest(args, REQUEST_HEADROOM_BYTES), REQUEST_HEADROOM_BYTES) : kafkajsEncode());
      return built;
    };
  };
  return Object.assign(patched, { [KAFKAJS_PROTOCOL]: protocol });
}

/**
 * kafkajs encodes a produce request through an Encoder per record and per level, each copying the
 * one below into zero-filled buffers that double as they grow: for bulk data (the ingester's
 * projection topic) the zero-filling, the copies and the garbage they leave cost more CPU than the
 * records' CRC. The patch swaps kafkajs's produce protocol for one that writes the same bytes into
 * one buffer (`encodeProduceRequest`) and lets the request framing write its header in front of it.
 * kafkajs's brokers read `protocol` from the module on every send, so the patch holds whenever it
 * is applied. Idempotent.
 */
export function patchKafkajsProduceEncoding(): void {
  patchWriteEncoder();
  if (!(KAFKAJS_PROTOCOL in produceRequests.protocol)) produceRequests.protocol = withSingleBufferEncoding(produceRequests.protocol);
}

/** kafkajs's own produce protocol and the patched one, side by side (for tests and the bench); applies the patch. */
export function produceRequestEncodings(): { kafkajs: ProduceProtocol; singleBuffer: ProduceProtocol } {
  patchKafkajsProduceEncoding();
  const patched = produceRequests.protocol as ProduceProtocol & { [KAFKAJS_PROTOCOL]: ProduceProtocol };
  return { kafkajs: patched[KAFKAJS_PROTOCOL], singleBuffer: patched };
}
