import { useCallback, useEffect, useMemo, useState } from 'react';
import { formatView, parseView, type AuditView } from '../filters/audit-filters';

/**
 * The view as the URL says; `navigate` pushes a history entry, so Back returns to the previous
 * view; `replace` corrects the current one (no entry of its own).
 */
export function useUrlView(): { view: AuditView; search: string; navigate: (view: AuditView) => void; replace: (view: AuditView) => void } {
  const [search, setSearch] = useState(() => {
    // The address bar shows the view in its canonical form, the form every later navigation writes.
    const canonical = formatView(parseView(window.location.search));
    if (canonical !== window.location.search) window.history.replaceState(window.history.state, '', `${window.location.pathname}${canonical}`);
    return canonical;
  });
  useEffect(() => {
    const onPopState = () => setSearch(formatView(parseView(window.location.search)));
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);
  const view = useMemo(() => parseView(search), [search]);
  const navigate = useCallback((next: AuditView) => {
    const query = formatView(next);
    window.history.pushState(null, '', `${window.location.pathname}${query}`);
    setSearch(query);
  }, []);
  const replace = useCallback((next: AuditView) => {
    const query = formatView(next);
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${query}`);
    setSearch(query);
  }, []);
  return { view, search, navigate, replace };
}
