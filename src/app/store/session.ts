/**
 * The session slice: what the controls edit (the run configuration), what the opening link asked for and could
 * not be used, and the first load (`boot`), which starts a run at once for a clean `run=1` link.
 */
import type { StateCreator } from 'zustand';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/protocol';
import * as engine from '../engine';
import { DEFAULT_DATASET, datasetLabel } from '../lib/datasets';
import type { LinkState } from '../../shared/config';
import { readLink } from '../lib/url';
import { isRunActive, type AppState, type Runtime } from './shared';

export interface SessionSlice {
  /** What the controls edit. */
  config: RunConfig;
  /** What the opening link asked for and could not be used, one message per field (dismissible). */
  linkErrors: string[];
  /** First load: pick the backend, then load the current dataset. Safe to call more than once. */
  boot: () => Promise<void>;
  setConfig: (patch: Partial<RunConfig>) => void;
  /** Replace the whole configuration (a preset), loading its dataset when it is another one. */
  applyConfig: (config: RunConfig) => Promise<void>;
  dismissLinkErrors: () => void;
}

/**
 * The link the page was opened with (`search`, else the page's address): the config, the backend, and whether to
 * start at once (`run=1`). A link cannot carry an uploaded dataset's files: it opens on the default dataset and says so.
 */
export function openingLink(link: LinkState = readLink()): LinkState {
  if (link.config.dataset !== 'custom') return link;
  const sha = link.config.datasetSha256;
  const { datasetSha256: _drop, ...rest } = link.config;
  return {
    ...link,
    config: { ...rest, dataset: DEFAULT_DATASET },
    run: false,
    errors: [
      ...link.errors,
      `this link was made with a dataset uploaded in the page${sha ? ` (fingerprint ${sha.slice(0, 12)}…)` : ''}; a link cannot carry the files, ` +
        `so ${datasetLabel(DEFAULT_DATASET)} is loaded: drop the same files on the Dataset card to use them`,
    ],
  };
}

export const createSessionSlice =
  (rt: Runtime, link: LinkState): StateCreator<AppState, [], [], SessionSlice> =>
  (set, get) => ({
    config: link.present ? link.config : { ...DEFAULT_RUN_CONFIG, dataset: DEFAULT_DATASET },
    linkErrors: link.errors,

    async boot() {
      void get().refreshSavedRuns();
      const s = get();
      if (s.datasetStatus === 'loading') return;
      if (s.datasetStatus === 'ready' && rt.datasetGeneration === engine.engineGeneration()) return;
      await get().loadDataset(s.datasetId);
      if (rt.autoRun && get().datasetStatus === 'ready') {
        rt.autoRun = false;
        await get().start();
      }
    },

    setConfig(patch) {
      if (isRunActive(get().runStatus)) return;
      set({ config: { ...get().config, ...patch } });
    },

    async applyConfig(config) {
      if (isRunActive(get().runStatus)) return;
      set({ config });
      if (config.dataset !== get().datasetId || get().datasetStatus === 'error') await get().loadDataset(config.dataset);
    },

    dismissLinkErrors() {
      set({ linkErrors: [] });
    },
  });
