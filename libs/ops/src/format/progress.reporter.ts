import type { CliIo } from '../cli.io';

const BAR_WIDTH = 24;

/**
 * Progress of a long transfer on stderr: a redrawn bar on a terminal, or a line every few seconds
 * when stderr is a file or a pipe (CI logs). The total is often unknown (a streamed export), so
 * the bar then shows activity and the counters carry the information.
 */
export class ProgressReporter {
  private lastDraw = 0;
  private frame = 0;

  constructor(
    private readonly io: Pick<CliIo, 'stderr'>,
    private readonly label: string,
    private readonly now: () => number = Date.now,
  ) {}

  update(rows: number, bytes: number, total?: number): void {
    const now = this.now();
    const interval = this.io.stderr.isTTY ? 100 : 5_000;
    if (now - this.lastDraw < interval) return;
    this.lastDraw = now;
    this.draw(rows, bytes, total);
  }

  done(rows: number, bytes: number): void {
    if (this.io.stderr.isTTY) this.io.stderr.write('\r\x1b[2K');
    this.io.stderr.write(`${this.label}: ${rows.toLocaleString('en-US')} rows, ${formatBytes(bytes)}\n`);
  }

  private draw(rows: number, bytes: number, total?: number): void {
    const counters = `${rows.toLocaleString('en-US')} rows, ${formatBytes(bytes)}`;
    if (!this.io.stderr.isTTY) {
      this.io.stderr.write(`${this.label}: ${counters}\n`);
      return;
    }
    let bar: string;
    if (total && total > 0) {
      const filled = Math.min(BAR_WIDTH, Math.round((rows / total) * BAR_WIDTH));
      bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    } else {
      const position = this.frame++ % BAR_WIDTH;
      bar = `${'-'.repeat(position)}###${'-'.repeat(Math.max(0, BAR_WIDTH - position - 3))}`.slice(0, BAR_WIDTH);
    }
    this.io.stderr.write(`\r\x1b[2K${this.label} [${bar}] ${counters}`);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
