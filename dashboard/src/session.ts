/** The signed-in token, kept in sessionStorage only (never in the URL, never in localStorage). */

const KEY = "switchboard.token";

/** The stored token, or null when signed out. */
export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Stores the token for this tab's session. */
export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

/** Forgets the token. */
export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
