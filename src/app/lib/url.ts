/** The backend preference lives in the URL (`?backend=wasm`) so a link or a reload keeps it. */
import type { BackendPreference } from '../../shared/protocol';

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export function isBackendPreference(v: unknown): v is BackendPreference {
  return typeof v === 'string' && (BACKEND_PREFERENCES as readonly string[]).includes(v);
}

/** Read `backend` from a query string; anything unknown means 'auto'. */
export function backendFromSearch(search: string): BackendPreference {
  const v = new URLSearchParams(search).get('backend')?.trim().toLowerCase();
  return isBackendPreference(v) ? v : 'auto';
}

/** The same URL with `backend` set (or removed for 'auto'), other parameters kept. */
export function searchWithBackend(search: string, pref: BackendPreference): string {
  const params = new URLSearchParams(search);
  if (pref === 'auto') params.delete('backend');
  else params.set('backend', pref);
  const s = params.toString();
  return s ? `?${s}` : '';
}
