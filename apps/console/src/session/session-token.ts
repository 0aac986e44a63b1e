/**
 * The sign-in hands the page a bearer token in the URL fragment (`/audit#token=…`): fragments
 * never reach a server or a Referer header. The page moves it to sessionStorage (this tab only)
 * and removes it from the address bar, so a copied link never carries it.
 */
const STORAGE_KEY = 'audit-console.token';

export interface SessionClaims {
  organizationId?: string;
  email?: string;
  role?: string;
  expiresAt?: number;
}

export function takeSessionToken(): string | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromLink = fragment.get('token');
  if (fromLink) {
    window.sessionStorage.setItem(STORAGE_KEY, fromLink);
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }
  return window.sessionStorage.getItem(STORAGE_KEY);
}

export function forgetSessionToken(): void {
  window.sessionStorage.removeItem(STORAGE_KEY);
}

/** What the header shows about the signed-in user. Display only: the server verifies the token. */
export function readClaims(token: string): SessionClaims {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload)) as { org?: unknown; email?: unknown; role?: unknown; exp?: unknown };
    return {
      organizationId: typeof claims.org === 'string' ? claims.org : undefined,
      email: typeof claims.email === 'string' ? claims.email : undefined,
      role: typeof claims.role === 'string' ? claims.role : undefined,
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
    };
  } catch {
    return {};
  }
}
