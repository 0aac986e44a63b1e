import { useState } from 'react';
import type { AuditApiClient, StreamSummary } from '../api/audit-api.client';
import { formatCount, localDateTime } from '../format/event.format';
import { ErrorState, LoadingState } from './state-views';
import { useStreams } from './use-streams';

const STATE_WORDS: Record<StreamSummary['status']['state'], string> = { starting: 'Starting', backfilling: 'Backfilling', active: 'Active', failing: 'Failing', paused: 'Paused' };
const DESTINATION_WORDS: Record<StreamSummary['destination']['type'], string> = { webhook: 'Webhook', splunk: 'Splunk HEC', datadog: 'Datadog', syslog: 'Syslog' };

function destinationHost({ destination }: StreamSummary): string {
  if (destination.type === 'syslog') return `${destination.host}:${destination.port}`;
  try {
    return new URL(destination.url ?? '').host;
  } catch {
    return destination.url ?? '';
  }
}

function lagText(stream: StreamSummary): string {
  const lag = stream.status.lag;
  if (!lag || (lag.records === 0 && lag.seconds < 1)) return 'Up to date';
  return `${formatCount(lag.events)} events · ${lag.seconds < 90 ? `${Math.round(lag.seconds)} s` : `${Math.round(lag.seconds / 60)} min`}`;
}

/** State by word, icon and color; a failing stream's last error on hover and for screen readers. */
function StreamState({ stream }: { stream: StreamSummary }) {
  const { state, lastError, stale } = stream.status;
  return (
    <span className={`stream-state stream-state--${state}`} title={lastError ? `${lastError.message} (${localDateTime(lastError.at).join(' ')})` : undefined}>
      <span aria-hidden="true">{state === 'failing' ? '✕' : state === 'paused' ? 'Ⅱ' : '●'}</span> {STATE_WORDS[state]}
      {state === 'failing' && lastError ? <span className="stream-state__error">{lastError.message}</span> : null}
      {stale ? <span className="stream-state__stale"> · no report lately</span> : null}
    </span>
  );
}

/**
 * The organization's outbound streams (webhooks, SIEMs), with the same loading, empty and error
 * states as the log view: state and last error, events delivered, lag, and pause/resume and a test
 * delivery. Streams are created through the API (`POST /v1/streams`); each change is audited.
 */
export function StreamsSection({ api }: { api: AuditApiClient }) {
  const { streams, reload } = useStreams(api);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState('');

  const act = async (stream: StreamSummary, action: 'pause' | 'resume' | 'test') => {
    setBusy(`${stream.id}:${action}`);
    try {
      if (action === 'test') {
        const result = await api.testStream(stream.id);
        setNotice(result.ok ? `Test event delivered to ${stream.name} in ${result.durationMs} ms` : `Test to ${stream.name} failed: ${result.error ?? 'no answer'}`);
      } else {
        await api.setStreamPaused(stream.id, action === 'pause');
        setNotice(`${stream.name} ${action === 'pause' ? 'paused' : 'resumed'}`);
        reload();
      }
    } catch (error) {
      setNotice(`${stream.name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy('');
    }
  };

  const list = streams.state === 'error' ? undefined : streams.streams;
  return (
    <section className="streams" aria-labelledby="streams-heading" aria-busy={streams.state === 'loading'} data-testid="streams" data-state={streams.state === 'ready' && list?.length === 0 ? 'empty' : streams.state}>
      <div className="results__toolbar">
        <h2 id="streams-heading">Streams</h2>
        <span className="streams__lead">The log pushed to your webhook or SIEM as events are stored, each with its sequence number.</span>
      </div>
      {streams.state === 'error' ? (
        <ErrorState title="The streams could not be loaded" error={streams.error} onRetry={reload} />
      ) : list && list.length > 0 ? (
        <table className="streams__table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Destination</th>
              <th scope="col">State</th>
              <th scope="col">Delivered</th>
              <th scope="col">Lag</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((stream) => (
              <tr key={stream.id} className="streams__row" data-stream-id={stream.id}>
                <td>{stream.name}</td>
                <td>
                  {DESTINATION_WORDS[stream.destination.type]} <span className="streams__host">{destinationHost(stream)}</span> <code>{stream.format}</code>
                </td>
                <td data-column="state">
                  <StreamState stream={stream} />
                </td>
                <td data-column="delivered">{formatCount(stream.status.delivered)}</td>
                <td data-column="lag">{stream.paused ? '—' : lagText(stream)}</td>
                <td className="streams__actions">
                  <button type="button" className="button" disabled={busy !== ''} onClick={() => void act(stream, stream.paused ? 'resume' : 'pause')}>
                    {stream.paused ? 'Resume' : 'Pause'}
                  </button>
                  <button type="button" className="button button--quiet" disabled={busy !== ''} onClick={() => void act(stream, 'test')}>
                    Send test
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : streams.state === 'loading' ? (
        <LoadingState label="Loading streams…" />
      ) : (
        <div className="state" role="status">
          <p className="state__title">No streams yet</p>
          <p className="state__hint">
            Push this log to your SIEM or webhook: create a stream with <code>POST /v1/streams</code> (Splunk HEC, Datadog, syslog or a signed webhook).
          </p>
        </div>
      )}
      <p className="streams__notice" role="status" aria-live="polite" data-testid="streams-notice">
        {notice}
      </p>
    </section>
  );
}
