/**
 * What the store's slices share: the composed state's type, the engine bookkeeping that is not UI state (one
 * `Runtime` per store), and the few helpers every slice uses. Plain data only in the state.
 */
import type { StoreApi } from 'zustand';
import type { BackendName } from '../../shared/protocol';
import * as engine from '../engine';
import type { SavedRun } from '../lib/runs-db';
import type { BackendSlice } from './backend';
import type { DatasetSlice } from './dataset';
import type { FaultsSlice } from './faults';
import type { FilesSlice } from './files';
import type { RunSlice } from './run';
import type { SavedRunsSlice } from './savedRuns';
import type { SessionSlice } from './session';

export type RunStatus = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'error';
export type DatasetStatus = 'idle' | 'loading' | 'ready' | 'error';
export type BackendStatus = 'idle' | 'initializing' | 'ready' | 'error';

/** A problem shown to the user: what happened, and what to do about it. */
export interface AppError {
  source: 'backend' | 'dataset' | 'run' | 'worker';
  title: string;
  message: string;
  hint: string;
  /** Whether "Try again" makes sense (re-starts the engine and reloads the dataset). */
  retry: boolean;
}

/** The whole store: every slice's state and actions, composed in `../store.ts`. */
export type AppState = SessionSlice & BackendSlice & DatasetSlice & RunSlice & SavedRunsSlice & FilesSlice & FaultsSlice;

/**
 * Engine bookkeeping shared by the slices (not UI state: nothing renders from it). One per store, so a test's
 * fresh store starts from a clean slate.
 */
export interface Runtime {
  /** Engine calls that change what the worker holds (backend, dataset) run one at a time, in order. */
  queue: Promise<unknown>;
  /** Bumped by every dataset load / run; results of older ones are ignored. */
  loadToken: number;
  runToken: number;
  /** The worker generation that has the backend / the dataset loaded. */
  backendGeneration: number;
  datasetGeneration: number;
  /** The promise of the active run (settles when the engine's start() does). */
  activeRun: Promise<void> | null;
  /**
   * The backend a fault recovery asked for, used instead of the preference until the user chooses a backend: the
   * run's own after a crash (same backend, same bytes), the next in BACKEND_ORDER after a lost device (avoiding it).
   */
  backendOverride: { preference: BackendName; avoid: BackendName[] } | null;
  /** Set while a fault recovery starts the run again: keep the fault notice, and start paused if it was paused. */
  recovering: { pause: boolean } | null;
  /** When the current run was restarted after faults (to stop one that keeps failing). */
  restarts: { runId: string; at: number[] };
  /** Set by "Measure again": the next Auto start ignores the cached probe. */
  remeasureNext: boolean;
  /** Set by a clean `run=1` link; the first successful dataset load starts the run and clears it. */
  autoRun: boolean;
  /** The saved run the current run writes to, and its saves, one after another. */
  record: SavedRun | null;
  saving: Promise<void>;
}

export function newRuntime(autoRun = false): Runtime {
  return {
    queue: Promise.resolve(),
    loadToken: 0,
    runToken: 0,
    backendGeneration: -2,
    datasetGeneration: -2,
    activeRun: null,
    backendOverride: null,
    recovering: null,
    restarts: { runId: '', at: [] },
    remeasureNext: false,
    autoRun,
    record: null,
    saving: Promise.resolve(),
  };
}

/** What the helpers that span slices work with. */
export interface StoreContext {
  set: StoreApi<AppState>['setState'];
  get: () => AppState;
  rt: Runtime;
}

/** Run `fn` after every engine call queued before it (a failure does not block the queue). */
export function serial<T>(rt: Runtime, fn: () => Promise<T>): Promise<T> {
  const p = rt.queue.then(fn);
  rt.queue = p.catch(() => {});
  return p;
}

/** A dataset load that a later one replaced before it reached the engine. */
export class Superseded extends Error {}

/** The worker was replaced on purpose: whatever the call was for is moot. */
export function isMoot(err: unknown): boolean {
  return err instanceof engine.EngineRestartedError;
}

export const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A run's state when no run has happened: what a new run, a new dataset or Reset starts from. */
export const RUN_RESET = {
  runConfig: null,
  runStatus: 'idle',
  runBackend: null,
  pending: null,
  doneReason: null,
  syntheticSha256: null,
  readouts: null,
  lastGood: null,
  resumedFrom: null,
  realBatches: null,
  startedFromFile: null,
  currentRunId: null,
  savedIteration: null,
  lossPoints: [],
  evalPoints: [],
  evalProgress: null,
  initialGrid: null,
  grid: null,
  gridIteration: 0,
  iteration: 0,
  msPerIteration: null,
  numTensors: null,
  numBytes: null,
  preparing: null,
  selection: null,
  startedAt: null,
  endedAt: null,
} satisfies Partial<AppState>;

const ACTIVE: readonly RunStatus[] = ['loading', 'running', 'paused'];

export function isRunActive(status: RunStatus): boolean {
  return ACTIVE.includes(status);
}

/** Whether Run may be pressed. */
export function canStart(s: Pick<AppState, 'datasetStatus' | 'backendStatus' | 'runStatus'>): boolean {
  return s.datasetStatus === 'ready' && s.backendStatus === 'ready' && !isRunActive(s.runStatus);
}
