/**
 * The page's URL holds the whole run configuration and the backend preference (as TensorFlow Playground
 * keeps its state in the link): read once at start, rewritten in place (no history entries) as the controls
 * change, and copied by "Copy link". The codec and its validation live in src/shared/config.ts.
 */
import { configFromSearch, configToSearch, type LinkState } from '../../shared/config';
import type { BackendPreference, RunConfig } from '../../shared/protocol';

export const APP_VERSION: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0';

/** What the page's link says (defaults and no errors outside a browser). */
export function readLink(): LinkState {
  return configFromSearch(typeof location === 'undefined' ? '' : location.search);
}

/** The link for a configuration: this page's address with the config's query. */
export function linkFor(config: RunConfig, backend: BackendPreference, run = false): string {
  const search = configToSearch(config, { version: APP_VERSION, backend, run });
  return typeof location === 'undefined' ? search : `${location.origin}${location.pathname}${search}`;
}

/** Rewrite the address bar to the current configuration (without `run=1`: a reload should not start a run). */
export function writeLink(config: RunConfig, backend: BackendPreference): void {
  if (typeof location === 'undefined' || typeof history === 'undefined') return;
  const search = configToSearch(config, { version: APP_VERSION, backend });
  if (search !== location.search) history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}
