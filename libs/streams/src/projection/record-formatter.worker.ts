// The entry of RecordFormatterPool's worker threads: formats the records it is sent, in the order sent.
import { parentPort } from 'node:worker_threads';
import { formatRecordLines, type FormatJob, type FormattedLines } from './record-lines.formatter';

export interface FormatRequest {
  id: number;
  job: FormatJob;
}

export type FormatReply = { id: number; lines: FormattedLines; error?: undefined } | { id: number; lines?: undefined; error: string };

parentPort?.on('message', ({ id, job }: FormatRequest) => {
  let reply: FormatReply;
  try {
    reply = { id, lines: formatRecordLines(job) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  // The JSON's bytes move to the main thread rather than being copied.
  parentPort!.postMessage(reply, reply.lines?.json ? [reply.lines.json.buffer as ArrayBuffer] : []);
});
