import type { EventKey } from '../events/event.key';

/** One export batch as text: the rows' lines (UTF-8), ready to send. */
export interface TextBatch {
  /** Events in the batch, each once. */
  rows: number;
  text: Buffer;
  /** The organizations of the rows, each once, in the order they come (rows are grouped by organization). */
  organizations: string[];
}

/** A text batch and the key of its last row (where the next batch starts). */
export type KeyedTextBatch = TextBatch & { last?: EventKey };

const DIGEST_BYTES = 32;

/**
 * A batch in RowBinary: (line String, organization_id String, occurred_at Int64 ms, event_id
 * String, content_digest FixedString(32)) per row. Throws on bytes that do not end on a row
 * boundary (a server can end a 200 response with an error text mid-stream): a half row must not
 * become part of an export.
 */
export function readTextBatch(data: Buffer): KeyedTextBatch {
  let read = 0;
  let write = 0;
  let rows = 0;
  let last: EventKey | undefined;
  const organizations: string[] = [];
  let organization: Buffer | undefined;
  /** Skips `bytes` and returns where they start. */
  const take = (bytes: number) => {
    const at = read;
    read += bytes;
    if (read > data.length) throw new Error(`export batch: RowBinary ends inside row ${rows + 1} (${data.length} bytes)`);
    return at;
  };
  /** A string's length (LEB128), and skips the string. */
  const string = () => {
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = data[take(1)];
      length += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return { at: take(length), length };
    }
  };
  while (read < data.length) {
    const line = string();
    const org = string();
    const millis = data.readBigInt64LE(take(8));
    const id = string();
    const digest = take(DIGEST_BYTES);
    rows += 1;
    // Copied before the lines move over it: the text is written into the batch's own buffer.
    const orgBytes = data.subarray(org.at, org.at + org.length);
    if (!organization || !organization.equals(orgBytes)) {
      organization = Buffer.from(orgBytes);
      organizations.push(organization.toString('utf8'));
    }
    if (read === data.length) {
      last = {
        organizationId: organizations.at(-1) as string,
        occurredAt: new Date(Number(millis)).toISOString(),
        eventId: data.toString('latin1', id.at, id.at + id.length),
        contentDigest: data.toString('hex', digest, digest + DIGEST_BYTES),
      };
    }
    // Lines move left over the length prefixes and keys already read: the batch's own buffer becomes its text.
    data.copy(data, write, line.at, line.at + line.length);
    write += line.length;
  }
  return { rows, text: data.subarray(0, write), organizations, last };
}
