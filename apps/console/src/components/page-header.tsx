import type { SessionClaims } from '../session/session-token';

export function PageHeader({ claims, onSignOut }: { claims: SessionClaims; onSignOut?: () => void }) {
  return (
    <header className="page-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="page-header__inner">
        <div>
          <nav aria-label="Breadcrumb" className="breadcrumb">
            <ol>
              <li>Organization{claims.organizationId ? <span className="breadcrumb__org"> {claims.organizationId}</span> : null}</li>
              <li aria-current="page">Auditing</li>
            </ol>
          </nav>
          <h1>Audit log</h1>
          <p className="page-header__lead">Who did what, when, and with what outcome. Events cannot be changed; how long they are kept is shown below.</p>
        </div>
        {onSignOut ? (
          <div className="page-header__user">
            <span>
              {claims.email ?? 'Signed in'}
              {claims.role ? <span className="role-pill">{claims.role}</span> : null}
            </span>
            <button type="button" className="button button--quiet" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        ) : null}
      </div>
    </header>
  );
}
