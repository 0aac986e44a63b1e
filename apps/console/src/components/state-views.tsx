import type { ApiError } from '../api/audit-api.client';

export function LoadingState({ label = 'Loading events…' }: { label?: string }) {
  return (
    <div className="state" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function EmptyState({ filtered, onWiden, onClear }: { filtered: boolean; onWiden: () => void; onClear: () => void }) {
  return (
    <div className="state" role="status">
      <p className="state__title">No events match this view</p>
      <p className="state__hint">
        {filtered
          ? 'Try a wider date range, or remove a filter. The user filter matches the exact email address or user id.'
          : 'Nothing was recorded in this date range. Try a wider range.'}
      </p>
      <div className="state__actions">
        <button type="button" className="button" onClick={onWiden}>
          Show the last 90 days
        </button>
        {filtered ? (
          <button type="button" className="button button--quiet" onClick={onClear}>
            Clear all filters
          </button>
        ) : null}
      </div>
    </div>
  );
}

export function ErrorState({ error, onRetry, title = 'The audit log could not be loaded' }: { error: ApiError; onRetry: () => void; title?: string }) {
  return (
    <div className="state state--error" role="alert">
      <p className="state__title">{title}</p>
      <p className="state__message" data-testid="error-message">
        {error.message}
      </p>
      <p className="state__hint">
        {error.status ? `HTTP ${error.status}` : 'No answer'} · <code>{error.code}</code>
        {error.field ? (
          <>
            {' '}
            · field <code>{error.field}</code>
          </>
        ) : null}
      </p>
      <div className="state__actions">
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      </div>
    </div>
  );
}

const NOTICES = {
  'signed-out': {
    title: 'Sign in to review the audit log',
    body: 'Open the console from your organization’s settings, or locally through the sign-in link that `npm start` prints.',
  },
  expired: {
    title: 'Your session has expired',
    body: 'Sign in again to continue: open the console from your organization’s settings, or locally through the link that `npm start` prints.',
  },
  forbidden: {
    title: 'You do not have access to the audit log',
    body: 'Only Owners and Admins of the organization (and the security team) can review its audit log. Ask an Owner for access.',
  },
} as const;

export function SignInNotice({ reason, message }: { reason: keyof typeof NOTICES; message?: string }) {
  const notice = NOTICES[reason];
  return (
    <div className="state state--notice" role="alert" data-testid="session-notice" data-reason={reason}>
      <p className="state__title">{notice.title}</p>
      <p>{notice.body}</p>
      {message ? <p className="state__hint">Server: {message}</p> : null}
    </div>
  );
}
