/**
 * Counts records in a streamed CSV or NDJSON body chunk by chunk. A CSV record ends at a newline
 * outside quotes (a quoted field may hold newlines); the CSV header line is not a row.
 */
export class RowCounter {
  private newlines = 0;
  private inQuotes = false;

  constructor(private readonly format: 'csv' | 'ndjson') {}

  push(chunk: Buffer): void {
    if (this.format === 'ndjson') {
      for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) this.newlines += 1;
      return;
    }
    for (const byte of chunk) {
      if (byte === 34) this.inQuotes = !this.inQuotes;
      else if (byte === 10 && !this.inQuotes) this.newlines += 1;
    }
  }

  get rows(): number {
    return this.format === 'csv' ? Math.max(0, this.newlines - 1) : this.newlines;
  }
}
