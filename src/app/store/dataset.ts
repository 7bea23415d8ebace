/**
 * The dataset slice: the dataset the worker has loaded (a built-in one, or the user's own files), its loading,
 * and the dataset files this browser keeps (Cache API).
 */
import type { StateCreator } from 'zustand';
import { MAX_DATASET_BYTES, type LinkState } from '../../shared/config';
import { cachedDatasets, clearCachedDatasets, type CachedDatasets } from '../../shared/dataset-cache';
import type { DatasetSummary, LoadProgress } from '../../shared/protocol';
import * as engine from '../engine';
import { useEval } from '../evalStore';
import { DEFAULT_DATASET, datasetLabel, type DatasetId } from '../lib/datasets';
import { errorMessage } from '../lib/format';
import { ensureBackend } from './backend';
import { stopActiveRun } from './run';
import { isMoot, isRunActive, RUN_RESET, serial, Superseded, type AppState, type DatasetStatus, type Runtime } from './shared';

export interface DatasetSlice {
  datasetId: DatasetId;
  datasetStatus: DatasetStatus;
  dataset: DatasetSummary | null;
  loadProgress: LoadProgress | null;
  loadError: string | null;
  /** The dataset files this browser keeps (Cache API); null until first looked at. */
  datasetCache: CachedDatasets | null;
  /** The user's own dataset being read ('reading', with its progress), or why the last upload was refused. */
  uploadStatus: 'idle' | 'reading' | 'error';
  uploadProgress: LoadProgress | null;
  /** Names the file at fault; the dataset loaded before stays loaded. */
  uploadError: string | null;
  /** The name of the dataset uploaded in this worker (offered in the dataset menu), if any. */
  uploadedName: string | null;
  loadDataset: (id: DatasetId) => Promise<void>;
  /** Read the user's own dataset files (dropped or picked; a picked folder's files keep their relative paths). */
  uploadDataset: (files: { file: File; path: string }[]) => Promise<void>;
  dismissUploadError: () => void;
  refreshDatasetCache: () => Promise<void>;
  /** Forget the cached dataset files (the loaded dataset stays loaded; the next load downloads again). */
  clearDatasetCache: () => Promise<void>;
}

export const createDatasetSlice =
  (rt: Runtime, link: LinkState): StateCreator<AppState, [], [], DatasetSlice> =>
  (set, get) => ({
    datasetId: link.present ? link.config.dataset : DEFAULT_DATASET,
    datasetStatus: 'idle',
    dataset: null,
    loadProgress: null,
    loadError: null,
    datasetCache: null,
    uploadStatus: 'idle',
    uploadProgress: null,
    uploadError: null,
    uploadedName: null,

    async loadDataset(id) {
      const token = ++rt.loadToken;
      const s = get();
      // Show the choice at once; the run (if any) stops first, then its results are cleared.
      set({
        datasetId: id,
        datasetStatus: 'loading',
        dataset: null,
        loadProgress: null,
        loadError: null,
        uploadError: null,
        uploadStatus: 'idle',
        config: id === 'custom' ? { ...s.config, dataset: id } : (({ datasetSha256: _h, ...c }) => ({ ...c, dataset: id }))(s.config),
        error: null,
      });
      await stopActiveRun({ set, get, rt });
      if (token !== rt.loadToken) return;
      set({ ...RUN_RESET });
      try {
        const summary = await serial(rt, async () => {
          if (token !== rt.loadToken) throw new Superseded();
          // The worker downloads and decodes the dataset while the backend starts: neither needs the other. The
          // dataset is asked for first, so its downloads are under way while the backend's start keeps the worker busy.
          const loading = engine.loadDataset(id, (p) => {
            if (token === rt.loadToken) set({ loadProgress: p });
          });
          const backendReady = ensureBackend({ set, get, rt });
          // A backend that fails says why itself; the dataset's outcome then does not matter.
          loading.catch(() => undefined);
          await backendReady;
          if (token !== rt.loadToken) throw new Superseded();
          return loading;
        });
        if (token !== rt.loadToken) return;
        rt.datasetGeneration = engine.engineGeneration();
        set({ dataset: summary, datasetStatus: 'ready', loadProgress: null });
        if (summary.upload) set({ config: { ...get().config, datasetSha256: summary.upload.sha256 } });
        void get().refreshDatasetCache();
      } catch (err) {
        if (token !== rt.loadToken || err instanceof Superseded || isMoot(err)) return;
        const message = errorMessage(err);
        set({ datasetStatus: 'error', loadProgress: null, loadError: message });
        // Backend failures and crashes already said what happened.
        if (get().backendStatus !== 'ready' || err instanceof engine.EngineCrashedError) return;
        set({
          error: {
            source: 'dataset',
            title: `${datasetLabel(id)} could not be loaded`,
            message,
            hint:
              id === 'custom'
                ? 'An uploaded dataset lives only in this page: drop the same files on the Dataset card again.'
                : 'The datasets are served from public/datasets. Run `npm run datasets` to download and verify them, then press "Try again" (or reload the page).',
            retry: true,
          },
        });
      }
    },

    async uploadDataset(picked) {
      if (isRunActive(get().runStatus) || get().uploadStatus === 'reading' || picked.length === 0) return;
      set({ uploadStatus: 'reading', uploadProgress: null, uploadError: null });
      const token = ++rt.loadToken;
      try {
        const total = picked.reduce((n, p) => n + p.file.size, 0);
        if (total > MAX_DATASET_BYTES) {
          const what = picked.length === 1 ? picked[0]!.path : `${picked.length} files`;
          throw new Error(`${what}: ${total} bytes in all; at most ${MAX_DATASET_BYTES} are accepted`);
        }
        const files = await Promise.all(picked.map(async (p) => ({ path: p.path, bytes: new Uint8Array(await p.file.arrayBuffer()) })));
        const summary = await serial(rt, async () => {
          await ensureBackend({ set, get, rt });
          return engine.loadOwnDataset(files, (p) => {
            if (token === rt.loadToken) set({ uploadProgress: p });
          });
        });
        if (token !== rt.loadToken) return;
        rt.datasetGeneration = engine.engineGeneration();
        set({
          ...RUN_RESET,
          datasetId: 'custom',
          dataset: summary,
          datasetStatus: 'ready',
          loadProgress: null,
          loadError: null,
          uploadStatus: 'idle',
          uploadProgress: null,
          uploadedName: summary.name,
          config: { ...get().config, dataset: 'custom', ...(summary.upload ? { datasetSha256: summary.upload.sha256 } : {}) },
          error: null,
        });
        useEval.getState().reset();
      } catch (err) {
        if (isMoot(err) || err instanceof engine.EngineCrashedError) {
          set({ uploadStatus: 'idle', uploadProgress: null });
          return;
        }
        // What was loaded before stays loaded (the worker replaces nothing until the upload has decoded).
        set({ uploadStatus: 'error', uploadProgress: null, uploadError: errorMessage(err) });
      }
    },

    dismissUploadError() {
      set({ uploadError: null, uploadStatus: 'idle' });
    },

    async refreshDatasetCache() {
      try {
        set({ datasetCache: await cachedDatasets() });
      } catch {
        set({ datasetCache: { available: false, files: 0, bytes: 0, datasets: [] } });
      }
    },

    async clearDatasetCache() {
      await clearCachedDatasets().catch(() => {});
      await get().refreshDatasetCache();
    },
  });
