import { splitLines } from '@audit/contract';
import type { StreamFilter, StreamFormat } from '../definition/stream-definition';
import { formatEvent } from '../format/event.formats';
import { decodeStoredLine } from './stored-record.decoder';
import { passesFilter } from './stream.filter';

/** The admitted lines of one projection record, and what the stream does with them. */
export interface FormatJob {
  /** The record's value (stored lines, newline-terminated). */
  value: Uint8Array;
  /** Lines at the start already passed (copies): left out. */
  skip: number;
  filter: StreamFilter;
  format: StreamFormat;
  /** Serialize the kept events in `format` (for destinations that splice them into their body). */
  serialize: boolean;
}

/** Which lines the filter kept, and (when asked) each kept event as JSON in the stream's format. */
export interface FormattedLines {
  /** Indices of the kept lines, counted after the skipped ones. */
  kept: number[];
  /** Bytes of the kept lines as stored. */
  bytes: number;
  /** The kept events' JSON, one after another; event `i` ends at `ends[i]`. */
  json?: Uint8Array;
  ends?: number[];
}

/**
 * Decodes, filters and (optionally) serializes a record's lines: the CPU of a stream's reading,
 * done once per record on a formatter thread (see RecordFormatterPool) or, without one, inline.
 * The JSON is what `JSON.stringify(formatEvent(format, event))` gives, byte for byte.
 */
export function formatRecordLines({ value, skip, filter, format, serialize }: FormatJob): FormattedLines {
  const lines = splitLines(value).slice(skip);
  const kept: number[] = [];
  const texts: string[] = [];
  let bytes = 0;
  lines.forEach((line, index) => {
    const stored = decodeStoredLine(line);
    if (!passesFilter(filter, stored.event)) return;
    kept.push(index);
    bytes += line.length;
    if (serialize) texts.push(JSON.stringify(formatEvent(format, stored)));
  });
  if (!serialize) return { kept, bytes };
  // Bytes of their own (not a slice of Buffer's shared pool), so a formatter thread can transfer them.
  const json = new TextEncoder().encode(texts.join(''));
  const ends: number[] = [];
  let end = 0;
  for (const text of texts) ends.push((end += Buffer.byteLength(text)));
  return { kept, bytes, json, ends };
}
