/**
 * The app's state: plain data only (no workers, no tensors, no class instances), plus the actions that drive
 * the engine. It is composed from slices by concern (zustand's slices pattern), each in `./store/`:
 * session (config, link, boot), backend, dataset (and the dataset cache, uploads), run (state and control, with
 * `runEvents`), savedRuns, files (import and export), faults (errors, restarts). Only the slices call `./engine`.
 * Components read what they need with narrow selectors: `useApp((s) => s.runStatus)`.
 */
import { create } from 'zustand';
import type { LinkState } from '../shared/config';
import { writeLink } from './lib/url';
import { createBackendSlice } from './store/backend';
import { createDatasetSlice } from './store/dataset';
import { createFaultsSlice, watchEngineFaults } from './store/faults';
import { createFilesSlice } from './store/files';
import { createRunSlice } from './store/run';
import { createSavedRunsSlice } from './store/savedRuns';
import { createSessionSlice, openingLink } from './store/session';
import { newRuntime, type AppState } from './store/shared';

export type { AppError, AppState, BackendStatus, DatasetStatus, RunStatus } from './store/shared';
export { canStart, isRunActive } from './store/shared';
export type { StartRunOptions, RunSlice } from './store/run';
export type { SessionSlice } from './store/session';
export type { BackendSlice } from './store/backend';
export type { DatasetSlice } from './store/dataset';
export type { SavedRunsSlice } from './store/savedRuns';
export type { FilesSlice } from './store/files';
export { MAX_RESTARTS, RESTART_WINDOW_MS, type FaultsSlice, type RunFault } from './store/faults';

/**
 * A store of all the slices, opened on `link` (what the page's address asked for, by default). The page has one
 * (`useApp`); tests make fresh ones. It follows the engine's faults for as long as it lives.
 */
export function createAppStore(link: LinkState = openingLink()) {
  const rt = newRuntime(link.run);
  const store = create<AppState>()((...a) => ({
    ...createSessionSlice(rt, link)(...a),
    ...createBackendSlice(rt, link)(...a),
    ...createDatasetSlice(rt, link)(...a),
    ...createRunSlice(rt)(...a),
    ...createSavedRunsSlice(...a),
    ...createFilesSlice(...a),
    ...createFaultsSlice(rt)(...a),
  }));
  watchEngineFaults({ set: store.setState, get: store.getState, rt });
  return store;
}

export const useApp = createAppStore();

// The address bar follows the controls, so a reload or a copied address keeps every setting.
useApp.subscribe((s, prev) => {
  if (s.config !== prev.config || s.backendPreference !== prev.backendPreference) writeLink(s.config, s.backendPreference);
});
