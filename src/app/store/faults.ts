/**
 * The faults slice: the problem shown to the user (`error`, with "Try again"), and what the page does when the
 * worker is lost (it crashed, stopped answering, or its GPU device was lost): a fresh worker, the dataset again,
 * and the interrupted run from its last checkpoint, at most MAX_RESTARTS times within RESTART_WINDOW_MS.
 */
import type { StateCreator } from 'zustand';
import { BACKEND_ORDER, type BackendName } from '../../shared/protocol';
import * as engine from '../engine';
import type { SavedRun } from '../lib/runs-db';
import { freshEngine } from './backend';
import { stopActiveRun } from './run';
import { save } from './savedRuns';
import { isRunActive, type AppError, type AppState, type Runtime, type StoreContext } from './shared';

/** The page restarts a failing run at most this many times within RESTART_WINDOW_MS, then stops it and says so. */
export const MAX_RESTARTS = 3;
export const RESTART_WINDOW_MS = 10 * 60_000;

/**
 * A fault the current run met (the worker crashed or stopped answering, or the GPU device was lost) and what the
 * page did: restarted a worker (on the same backend, or the next one after a lost device) and resumed the run from
 * its last checkpoint, or, after MAX_RESTARTS, stopped.
 */
export interface RunFault {
  kind: engine.EngineFault['kind'];
  message: string;
  /** The iteration the run had reached, and the checkpoint's it went on from (0: none yet, from the start). */
  atIteration: number;
  fromIteration: number;
  fromBackend: BackendName | null;
  toBackend: BackendName | null;
  /** This restart's number (1..MAX_RESTARTS) within the window. */
  restart: number;
  state: 'restarting' | 'resumed' | 'gave-up';
}

export interface FaultsSlice {
  error: AppError | null;
  /** The last fault of the current run and what the page did about it (until a run is started from the controls). */
  fault: RunFault | null;
  /** After a failure: fresh worker, backend again, dataset again. */
  retry: () => Promise<void>;
  dismissError: () => void;
  dismissFault: () => void;
}

export const createFaultsSlice =
  (rt: Runtime): StateCreator<AppState, [], [], FaultsSlice> =>
  (set, get) => ({
    error: null,
    fault: null,

    async retry() {
      await stopActiveRun({ set, get, rt });
      freshEngine(rt);
      set({ backendStatus: 'idle', backend: null, error: null });
      await get().loadDataset(get().datasetId);
    },

    dismissError() {
      set({ error: null });
    },

    dismissFault() {
      set({ fault: null });
    },
  });

/**
 * After a lost worker: a fresh one (on the run's backend, or the next one after a lost device), the dataset
 * again, and the interrupted run (`from`, if any) from its last checkpoint; after MAX_RESTARTS within the window,
 * the run stops and the page says so.
 */
export async function recover(ctx: StoreContext, fault: engine.EngineFault, from: SavedRun | null, wasPaused: boolean): Promise<void> {
  const { set, get, rt } = ctx;
  const s = get();
  const was = s.runBackend ?? s.backend?.backend ?? null;
  let target: BackendName | null = was;
  if (fault.kind === 'device-lost') {
    const lost = fault.backend ?? was ?? 'webgpu';
    const avoid = [...new Set([...(rt.backendOverride?.avoid ?? []), lost])];
    target = BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(lost) + 1).find((b) => !avoid.includes(b)) ?? null;
    rt.backendOverride = target ? { preference: target, avoid } : null;
  } else if (target) {
    rt.backendOverride = { preference: target, avoid: rt.backendOverride?.avoid ?? [] };
  }
  const now = Date.now();
  const runId = from?.id ?? '';
  const recent = (rt.restarts.runId === runId ? rt.restarts.at : []).filter((t) => now - t < RESTART_WINDOW_MS);
  const info: RunFault = {
    kind: fault.kind,
    message: fault.message,
    atIteration: s.iteration,
    fromIteration: from?.checkpoint?.iteration ?? 0,
    fromBackend: was,
    toBackend: target,
    restart: recent.length + 1,
    state: 'restarting',
  };
  if (from && (recent.length >= MAX_RESTARTS || !target)) {
    save(ctx, { status: 'stopped' });
    const minutes = Math.round(RESTART_WINDOW_MS / 60_000);
    set({
      fault: { ...info, restart: recent.length, state: 'gave-up' },
      backendStatus: 'error',
      datasetStatus: 'error',
      runStatus: 'error',
      pending: null,
      endedAt: performance.now(),
      error: {
        source: 'worker',
        title: target ? `The run was stopped after ${MAX_RESTARTS} restarts` : 'The run was stopped: no backend is left to go on with',
        message: target
          ? `${fault.message.replace(/[^.!?]$/, '$&.')} The run failed ${recent.length + 1} times within ${minutes} minutes, so the page stopped restarting it.`
          : fault.message,
        hint: `Its last checkpoint (iteration ${info.fromIteration}) is saved: choose another backend in the Backend menu (WASM or CPU), then Resume it from Saved runs.`,
        retry: true,
      },
    });
    return;
  }
  rt.restarts = { runId, at: [...recent, now] };
  set({ fault: info, error: null, backendStatus: 'idle', backend: null, pending: null });
  rt.backendGeneration = -2;
  rt.datasetGeneration = -2;
  await get().loadDataset(from?.config.dataset ?? s.datasetId);
  if (!from || get().datasetStatus !== 'ready') return;
  rt.recovering = { pause: wasPaused };
  await get().start(from);
}

/**
 * A lost worker takes the backend, the dataset and any run with it; a run (or a lost device) is recovered.
 * Returns the unsubscribe.
 */
export function watchEngineFaults(ctx: StoreContext): () => void {
  const { set, get, rt } = ctx;
  return engine.onEngineFault((fault) => {
    rt.loadToken++;
    rt.runToken++;
    const s = get();
    const interrupted = rt.activeRun !== null && isRunActive(s.runStatus) && rt.record !== null && rt.record.status === 'running';
    rt.activeRun = null;
    if (interrupted || fault.kind === 'device-lost') {
      void recover(ctx, fault, interrupted ? rt.record : null, s.runStatus === 'paused');
      return;
    }
    const message = fault.message;
    set({
      backendStatus: 'error',
      datasetStatus: s.datasetStatus === 'idle' ? 'idle' : 'error',
      loadProgress: null,
      loadError: s.datasetStatus === 'loading' ? message : s.loadError,
      runStatus: isRunActive(s.runStatus) ? 'error' : s.runStatus,
      pending: null,
      error: {
        source: 'worker',
        title: 'The compute engine stopped',
        message,
        hint: 'Press "Try again" to start it afresh. If it keeps failing, choose the WASM or CPU backend, or reload the page.',
        retry: true,
      },
    });
  });
}
