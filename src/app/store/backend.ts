/**
 * The backend slice: which compute backend the user prefers, and the one the worker runs on. Choosing another, or
 * measuring Auto's choice again, starts a fresh worker and reloads the dataset.
 */
import type { StateCreator } from 'zustand';
import type { LinkState } from '../../shared/config';
import type { BackendPreference, BackendReport } from '../../shared/protocol';
import * as engine from '../engine';
import { DEFAULT_DATASET } from '../lib/datasets';
import { errorMessage } from '../lib/format';
import { probeShapeFor, readProbeCache, writeProbeCache } from '../lib/probe-cache';
import { stopActiveRun } from './run';
import { isMoot, isRunActive, RUN_RESET, type AppState, type BackendStatus, type Runtime, type StoreContext } from './shared';

export interface BackendSlice {
  backendPreference: BackendPreference;
  backendStatus: BackendStatus;
  backend: BackendReport | null;
  chooseBackend: (preference: BackendPreference) => Promise<void>;
  /** Auto, measured again (the cached probe ignored): a fresh worker, then the dataset reloads. */
  measureBackends: () => Promise<void>;
}

/** Ask the engine for the backend unless the current worker already has one. */
export async function ensureBackend({ set, get, rt }: StoreContext): Promise<void> {
  if (rt.backendGeneration === engine.engineGeneration() && get().backendStatus === 'ready') return;
  const pref = rt.backendOverride?.preference ?? get().backendPreference;
  set({ backendStatus: 'initializing', backend: null });
  try {
    const remeasure = rt.remeasureNext;
    rt.remeasureNext = false;
    const report = await engine.initBackend(pref, rt.backendOverride?.avoid ?? [], {
      probe: probeShapeFor(get().datasetId, get().dataset, get().config),
      cached: readProbeCache(),
      remeasure,
    });
    if (report.probe && !report.probe.cached) writeProbeCache(report.probe);
    rt.backendGeneration = engine.engineGeneration();
    set({ backendStatus: 'ready', backend: report });
  } catch (err) {
    if (isMoot(err)) throw err;
    set({ backendStatus: 'error' });
    if (!(err instanceof engine.EngineCrashedError)) {
      set({
        error: {
          source: 'backend',
          title: 'No compute backend could be started',
          message: errorMessage(err),
          hint: 'Choose another backend in the Backend menu (WASM and CPU work in every browser), or try a browser with WebGPU or WebGL enabled.',
          retry: true,
        },
      });
    }
    throw err;
  }
}

/** A fresh worker (the engine's state then never mixes two backends, and has no uploaded dataset); nothing is loaded. */
export function freshEngine(rt: Runtime): void {
  engine.restartEngine();
  rt.backendGeneration = -2;
  rt.datasetGeneration = -2;
}

export const createBackendSlice =
  (rt: Runtime, link: LinkState): StateCreator<AppState, [], [], BackendSlice> =>
  (set, get) => ({
    backendPreference: link.backend,
    backendStatus: 'idle',
    backend: null,

    async measureBackends() {
      if (isRunActive(get().runStatus)) return;
      rt.remeasureNext = true;
      rt.backendOverride = null;
      set({ backendPreference: 'auto', backendStatus: 'idle', backend: null, error: null, ...RUN_RESET });
      freshEngine(rt);
      if (get().datasetId === 'custom') set({ datasetId: DEFAULT_DATASET });
      set({ uploadedName: null });
      await get().loadDataset(get().datasetId);
    },

    async chooseBackend(preference) {
      if (preference === get().backendPreference && get().backendStatus === 'ready' && !rt.backendOverride) return;
      // The user's choice replaces whatever a fault recovery chose.
      rt.backendOverride = null;
      set({ backendPreference: preference, backendStatus: 'idle', backend: null, error: null });
      await stopActiveRun({ set, get, rt });
      set({ ...RUN_RESET });
      freshEngine(rt);
      if (get().datasetId === 'custom') set({ datasetId: DEFAULT_DATASET });
      set({ uploadedName: null });
      await get().loadDataset(get().datasetId);
    },
  });
