import { useCallback, useEffect, useState } from 'react';
import { ApiError, type AuditApiClient, type StreamSummary } from '../api/audit-api.client';

export type StreamsState = { state: 'loading'; streams?: StreamSummary[] } | { state: 'ready'; streams: StreamSummary[] } | { state: 'error'; error: ApiError };

/** The organization's streams, loaded once and again after `reload` (a retry, or a change made here). */
export function useStreams(api: AuditApiClient): { streams: StreamsState; reload: () => void } {
  const [streams, setStreams] = useState<StreamsState>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setStreams((previous) => ({ state: 'loading', streams: previous.state === 'error' ? undefined : previous.streams }));
    api
      .streams(abort.signal)
      .then((list) => setStreams({ state: 'ready', streams: list }))
      .catch((error: unknown) => {
        if (error instanceof DOMException && error.name === 'AbortError') return;
        setStreams({ state: 'error', error: error instanceof ApiError ? error : new ApiError(0, 'network_error', `the server could not be reached (${String(error)})`) });
      });
    return () => abort.abort();
  }, [api, attempt]);
  return { streams, reload: useCallback(() => setAttempt((n) => n + 1), []) };
}
