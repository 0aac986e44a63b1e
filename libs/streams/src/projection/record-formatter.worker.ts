// The entry of RecordFormatterPool's worker threads: formats the records it is sent, in the order sent.
import { serveJobs, type ThreadJobs } from '@audit/threads';
import { formatRecordLines, type FormatJob, type FormattedLines } from './record-lines.formatter';

export type RecordFormatterJobs = ThreadJobs<FormatJob, FormattedLines>;

// The JSON's bytes move to the main thread rather than being copied.
serveJobs<RecordFormatterJobs>(formatRecordLines, (lines) => (lines.json ? [lines.json.buffer as ArrayBuffer] : []));
