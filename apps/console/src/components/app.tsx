import { useMemo, useState } from 'react';
import { AuditApiClient } from '../api/audit-api.client';
import { forgetSessionToken, readClaims, takeSessionToken } from '../session/session-token';
import { AuditingPage } from './auditing-page';
import { PageHeader } from './page-header';
import { SignInNotice } from './state-views';

export function App() {
  const [token, setToken] = useState(takeSessionToken);
  const claims = useMemo(() => (token ? readClaims(token) : {}), [token]);
  const api = useMemo(() => (token ? new AuditApiClient(token) : null), [token]);
  const signOut = () => {
    forgetSessionToken();
    setToken(null);
  };
  return (
    <>
      <PageHeader claims={claims} onSignOut={token ? signOut : undefined} />
      <main id="main" className="page">
        {api ? <AuditingPage api={api} /> : <SignInNotice reason="signed-out" />}
      </main>
    </>
  );
}
