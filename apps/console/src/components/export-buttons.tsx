import { useState } from 'react';
import { ApiError, type AuditApiClient, type ExportFormat } from '../api/audit-api.client';
import { digestExport, type ExportDigest } from '../api/export-digest';
import type { AuditFilters, ViewWindow } from '../filters/audit-filters';

type ExportState =
  | { state: 'idle' }
  | { state: 'running'; format: ExportFormat }
  | { state: 'done'; fileName: string; digest: ExportDigest }
  | { state: 'failed'; message: string };

/** Hands a downloaded blob to the browser as a file; the object URL is released right after. */
function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Export of every event the view reads (all its pages, its window), for external auditors. */
export function ExportButtons({ api, filters, viewWindow, disabled }: { api: AuditApiClient; filters: AuditFilters; viewWindow: ViewWindow | undefined; disabled: boolean }) {
  const [status, setStatus] = useState<ExportState>({ state: 'idle' });
  const run = async (format: ExportFormat) => {
    if (!viewWindow) return;
    setStatus({ state: 'running', format });
    try {
      const { blob, fileName } = await api.export(filters, viewWindow, format);
      saveFile(blob, fileName);
      setStatus({ state: 'done', fileName, digest: await digestExport(blob, format) });
    } catch (error) {
      setStatus({ state: 'failed', message: error instanceof ApiError ? error.message : String(error) });
    }
  };
  const running = status.state === 'running';
  return (
    <div className="export" role="group" aria-label="Export the filtered events">
      <span className="export__status" role="status">
        {status.state === 'running' ? `Preparing ${status.format.toUpperCase()}…` : null}
        {status.state === 'done' ? (
          <>
            Downloaded {status.fileName} · {status.digest.rows.toLocaleString()} {status.digest.rows === 1 ? 'row' : 'rows'}
            {status.digest.sha256 ? (
              <>
                {' · SHA-256 '}
                <code title={status.digest.sha256} data-sha256={status.digest.sha256}>
                  {status.digest.sha256.slice(0, 12)}…
                </code>
              </>
            ) : null}
          </>
        ) : null}
        {status.state === 'failed' ? <span className="export__error">Export failed: {status.message}</span> : null}
      </span>
      <button type="button" className="button" disabled={disabled || running || !viewWindow} onClick={() => void run('csv')}>
        Export CSV
      </button>
      <button type="button" className="button" disabled={disabled || running || !viewWindow} onClick={() => void run('ndjson')}>
        Export NDJSON
      </button>
    </div>
  );
}
