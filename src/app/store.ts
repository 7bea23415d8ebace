/**
 * The app's state: plain data only (no workers, no tensors, no class instances), plus the actions that drive
 * the engine. Components read slices with `useApp(selector)`; only the actions here call `./engine`.
 */
import { create } from 'zustand';
import {
  BACKEND_ORDER,
  DEFAULT_RUN_CONFIG,
  type BackendName,
  type BackendPreference,
  type BackendReport,
  type DatasetSummary,
  type EvalProgress,
  type EvalReport,
  type EvalSchedule,
  type ExportKind,
  type ImageGrid,
  type ImportSummary,
  type LoadProgress,
  type LossPoint,
  type RunConfig,
  type RunEvent,
  type SelectionView,
} from '../shared/protocol';
import * as engine from './engine';
import { useEval } from './evalStore';
import { useChange } from './changeStore';
import { DEFAULT_DATASET, datasetLabel, type DatasetId } from './lib/datasets';
import { errorMessage } from './lib/format';
import { probeShapeFor, readProbeCache, writeProbeCache } from './lib/probe-cache';
import { msPerIteration } from './lib/series';
import { runEventLog } from './lib/event-log';
import { APP_VERSION, readLink, writeLink } from './lib/url';
import { MAX_DATASET_BYTES, MAX_IMPORT_BYTES } from '../shared/config';
import { estimateRunBytes, memoryRefusal } from '../shared/memory';
import { downloadFile } from './lib/download';
import { cachedDatasets, clearCachedDatasets, type CachedDatasets } from '../shared/dataset-cache';
import * as runsDb from './lib/runs-db';
import type { SavedRun, SavedRunSummary } from './lib/runs-db';

export type RunStatus = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'error';
export type DatasetStatus = 'idle' | 'loading' | 'ready' | 'error';
export type BackendStatus = 'idle' | 'initializing' | 'ready' | 'error';

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

/** A problem shown to the user: what happened, and what to do about it. */
export interface AppError {
  source: 'backend' | 'dataset' | 'run' | 'worker';
  title: string;
  message: string;
  hint: string;
  /** Whether "Try again" makes sense (re-starts the engine and reloads the dataset). */
  retry: boolean;
}

export interface AppState {
  // Backend
  backendPreference: BackendPreference;
  backendStatus: BackendStatus;
  backend: BackendReport | null;

  // Dataset
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

  // Run
  /** What the controls edit. */
  config: RunConfig;
  /** The configuration of the current (or last) run, as the engine echoed it. */
  runConfig: RunConfig | null;
  runStatus: RunStatus;
  runBackend: BackendName | null;
  /** A pause/resume/step/stop was asked for and the engine has not confirmed it yet. */
  pending: 'pause' | 'resume' | 'step' | 'stop' | null;
  doneReason: 'completed' | 'stopped' | null;
  /** sha256 of the final synthetic set (from the engine's 'done'): equal for equal links on one backend. */
  syntheticSha256: string | null;
  lossPoints: LossPoint[];
  /** Evaluations during the run (at its evaluation points), in iteration order. */
  evalPoints: EvalReport[];
  /** The evaluation the run is waiting for, while it lasts. */
  evalProgress: { iteration: number; progress: EvalProgress } | null;
  /** A diverged run's last good state (its iteration), which Evaluate and the exports work on; null otherwise. */
  lastGood: number | null;
  /** The iteration the engine resumed the current run from (its checkpoint), null for a fresh run. */
  resumedFrom: number | null;
  /** Where the current run's real batches come from: the dataset resident on the device, or the host (issue 15). */
  realBatches: { resident: boolean; bytes: number; reason: string } | null;
  /** The imported file the current run started from (instead of its init), if it did. */
  startedFromFile: string | null;
  initialGrid: ImageGrid | null;
  grid: ImageGrid | null;
  gridIteration: number;
  iteration: number;
  /** Rolling median of the recent iterations' milliseconds. */
  msPerIteration: number | null;
  numTensors: number | null;
  numBytes: number | null;
  /** Which real images the initialiser and sampler chose, and the draw counts (latest). */
  selection: SelectionView | null;
  /** Work before the first iteration (MTT's experts), while it lasts. */
  preparing: { message: string; fraction: number } | null;
  /** performance.now() when the run started and when it ended (for elapsed time). */
  startedAt: number | null;
  endedAt: number | null;

  error: AppError | null;
  /** The last fault of the current run and what the page did about it (until a run is started from the controls). */
  fault: RunFault | null;
  /** What the opening link asked for and could not be used, one message per field (dismissible). */
  linkErrors: string[];

  // Saved runs (IndexedDB)
  savedRuns: SavedRunSummary[];
  /** The saved run the current run writes to. */
  currentRunId: string | null;
  /** The iteration of the current run's latest saved checkpoint. */
  savedIteration: number | null;
  /** Why runs are not being saved (quota, no IndexedDB); the run itself goes on. */
  saveError: string | null;

  // Imports and exports
  /** The imported `.npz` set (what Evaluate works on until a run ends, and what a run can continue from). */
  imported: Extract<ImportSummary, { kind: 'set' }> | null;
  /** The imported run record (its config went to the controls; a run with it should give its fingerprint). */
  importedRecord: Extract<ImportSummary, { kind: 'record' }> | null;
  importStatus: 'idle' | 'reading' | 'error';
  /** Why the last import failed (the file is named); what was loaded before is untouched. */
  importError: string | null;
  /** The export being prepared, and why the last one failed. */
  exporting: ExportKind | null;
  exportError: string | null;

  // Actions
  /** First load: pick the backend, then load the current dataset. Safe to call more than once. */
  boot: () => Promise<void>;
  chooseBackend: (preference: BackendPreference) => Promise<void>;
  /** Auto, measured again (the cached probe ignored): a fresh worker, then the dataset reloads. */
  measureBackends: () => Promise<void>;
  loadDataset: (id: DatasetId) => Promise<void>;
  /** Read the user's own dataset files (dropped or picked; a picked folder's files keep their relative paths). */
  uploadDataset: (files: { file: File; path: string }[]) => Promise<void>;
  dismissUploadError: () => void;
  setConfig: (patch: Partial<RunConfig>) => void;
  /** Replace the whole configuration (a preset), loading its dataset when it is another one. */
  applyConfig: (config: RunConfig) => Promise<void>;
  /**
   * Start a run from the controls (or from `options.config`), or go on with a saved one from its checkpoint, or from
   * the imported set; it evaluates at checkpoints per `options.evaluate`, else per the Evaluate panel's setting;
   * `options.step`: run one iteration and pause. Resolves when the run is over.
   */
  start: (from?: SavedRun, options?: StartRunOptions) => Promise<void>;
  /** Read a `.npz` set or a run record chosen by the user. */
  importFile: (file: File) => Promise<void>;
  /** Distil further from the imported set (its dataset and images per class, the other settings from the controls). */
  continueFromImport: () => Promise<void>;
  dismissImport: () => void;
  refreshDatasetCache: () => Promise<void>;
  /** Forget the cached dataset files (the loaded dataset stays loaded; the next load downloads again). */
  clearDatasetCache: () => Promise<void>;
  /** Download the latest set as a `.npz`, a PNG grid or a run record. */
  exportSet: (kind: ExportKind) => Promise<void>;
  pause: () => void;
  resume: () => void;
  stop: () => Promise<void>;
  /** Space: run, pause or resume, whichever applies. */
  toggle: () => void;
  /** One iteration: from a pause (stays paused), or a fresh run that pauses after its first; pauses a running run. */
  step: () => void;
  /** Stop the run (if any) and clear its images, curve and evaluation; the settings stay. */
  reset: () => Promise<void>;
  /** After a failure: fresh worker, backend again, dataset again. */
  retry: () => Promise<void>;
  dismissError: () => void;
  dismissFault: () => void;
  dismissLinkErrors: () => void;
  refreshSavedRuns: () => Promise<void>;
  /** Go on with a saved run from its last checkpoint (loads its dataset and config first). */
  resumeSaved: (id: string) => Promise<void>;
  deleteSaved: (id: string) => Promise<void>;
  clearSaved: () => Promise<void>;
}

export interface StartRunOptions {
  fromImport?: boolean;
  config?: RunConfig;
  evaluate?: EvalSchedule;
  /** Run one iteration, then pause (Step with no run going). */
  step?: boolean;
}

const RUN_RESET = {
  runConfig: null,
  runStatus: 'idle',
  runBackend: null,
  pending: null,
  doneReason: null,
  syntheticSha256: null,
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

/** The link the page was opened with: the config, the backend, and whether to start at once (`run=1`). */
const link = readLink();
// A link cannot carry an uploaded dataset's files: open on the default dataset and say so.
if (link.config.dataset === 'custom') {
  const sha = link.config.datasetSha256;
  link.errors.push(
    `this link was made with a dataset uploaded in the page${sha ? ` (fingerprint ${sha.slice(0, 12)}…)` : ''}; a link cannot carry the files, ` +
      `so ${datasetLabel(DEFAULT_DATASET)} is loaded: drop the same files on the Dataset card to use them`,
  );
  const { datasetSha256: _drop, ...rest } = link.config;
  link.config = { ...rest, dataset: DEFAULT_DATASET };
  link.run = false;
}
/** Set by a clean `run=1` link; the first successful dataset load starts the run and clears it. */
let autoRun = link.run;

function isMoot(err: unknown): boolean {
  return err instanceof engine.EngineRestartedError;
}

// Engine bookkeeping that is not UI state.
/** Engine calls that change what the worker holds (backend, dataset) run one at a time, in order. */
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const p = queue.then(fn);
  queue = p.catch(() => {});
  return p;
}
/** Bumped by every dataset load / run; results of older ones are ignored. */
let loadToken = 0;
let runToken = 0;
/** The worker generation that has the backend / the dataset loaded. */
let backendGeneration = -2;
let datasetGeneration = -2;
/** The promise of the active run (settles when the engine's start() does). */
let activeRun: Promise<void> | null = null;
/**
 * The backend a fault recovery asked for, used instead of the preference until the user chooses a backend: the
 * run's own after a crash (same backend, same bytes), the next in BACKEND_ORDER after a lost device (avoiding it).
 */
let backendOverride: { preference: BackendName; avoid: BackendName[] } | null = null;
/** Set while a fault recovery starts the run again: keep the fault notice, and start paused if it was paused. */
let recovering: { pause: boolean } | null = null;
/** When the current run was restarted after faults (to stop one that keeps failing). */
let restarts: { runId: string; at: number[] } = { runId: '', at: [] };

/** Set by "Measure again": the next Auto start ignores the cached probe. */
let remeasureNext = false;

class Superseded extends Error {}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const useApp = create<AppState>()((set, get) => {
  /** Ask the engine for the backend unless the current worker already has one. */
  async function ensureBackend(): Promise<void> {
    if (backendGeneration === engine.engineGeneration() && get().backendStatus === 'ready') return;
    const pref = backendOverride?.preference ?? get().backendPreference;
    set({ backendStatus: 'initializing', backend: null });
    try {
      const remeasure = remeasureNext;
      remeasureNext = false;
      const report = await engine.initBackend(pref, backendOverride?.avoid ?? [], {
        probe: probeShapeFor(get().datasetId, get().dataset, get().config),
        cached: readProbeCache(),
        remeasure,
      });
      if (report.probe && !report.probe.cached) writeProbeCache(report.probe);
      backendGeneration = engine.engineGeneration();
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

  /** Stop the active run (if any) and wait for the engine to confirm, a few seconds at most. */
  async function stopActiveRun(): Promise<void> {
    const run = activeRun;
    if (!run || !isRunActive(get().runStatus)) return;
    set({ pending: 'stop' });
    engine.stopRun().catch(() => {});
    await Promise.race([run.catch(() => {}), wait(5000)]);
    // Whatever happens later belongs to a run the user has left.
    runToken++;
    activeRun = null;
    if (isRunActive(get().runStatus)) set({ runStatus: 'done', doneReason: 'stopped', pending: null, endedAt: performance.now() });
  }

  /** Saves of the current run, one after another (a later save never lands before an earlier one). */
  let saving: Promise<void> = Promise.resolve();
  let record: SavedRun | null = null;
  function save(patch: Partial<SavedRun>): void {
    if (!record) return;
    record = { ...record, ...patch, updatedAt: Date.now() };
    const snapshot = record;
    saving = saving
      .then(() => runsDb.saveRun(snapshot))
      .then(() => {
        // The list changes in memory: no re-read of every saved run (and its checkpoint) at each save.
        const entry = runsDb.summarise(snapshot);
        const others = get().savedRuns.filter((r) => r.id !== entry.id);
        set({ savedRuns: [entry, ...others].sort((x, y) => y.createdAt - x.createdAt) });
        if (snapshot.checkpoint && get().currentRunId === snapshot.id) set({ savedIteration: snapshot.checkpoint.iteration });
      })
      .catch((err: unknown) => set({ saveError: errorMessage(err) }));
  }

  function handleRunEvent(e: RunEvent): void {
    runEventLog.record(e);
    useChange.getState().onRunEvent(e);
    switch (e.type) {
      case 'checkpoint':
        save({ status: 'running', iteration: e.checkpoint.iteration, checkpoint: e.checkpoint, lossPoints: get().lossPoints });
        break;
      case 'started':
        if (get().fault?.state === 'restarting') set({ fault: { ...get().fault!, state: 'resumed' } });
        set({
          runStatus: 'running',
          runConfig: e.config,
          runBackend: e.backend,
          initialGrid: e.initial,
          grid: e.initial,
          resumedFrom: e.fromIteration > 0 ? e.fromIteration : null,
          realBatches: e.realBatches ?? null,
          gridIteration: 0,
          startedAt: performance.now(),
          preparing: null,
        });
        break;
      case 'preparing':
        set({ preparing: { message: e.message, fraction: e.fraction } });
        break;
      case 'progress': {
        const lossPoints = e.points.length ? get().lossPoints.concat(e.points) : get().lossPoints;
        set({
          preparing: null,
          lossPoints,
          iteration: e.iteration,
          msPerIteration: msPerIteration(lossPoints),
          numTensors: e.numTensors,
          numBytes: e.numBytes,
        });
        break;
      }
      case 'images':
        set({ grid: e.grid, gridIteration: e.iteration });
        break;
      case 'selection':
        // Updates carry only what changed: keep the parts they omit.
        set({ selection: { ...get().selection, ...e.view } });
        break;
      case 'paused': {
        const pending = get().pending;
        set({ runStatus: 'paused', iteration: e.iteration, pending: pending === 'pause' || pending === 'step' ? null : pending });
        break;
      }
      case 'resumed':
        set({ runStatus: 'running', iteration: e.iteration, pending: get().pending === 'resume' ? null : get().pending });
        break;
      case 'evaluating':
        set({ evalProgress: { iteration: e.iteration, progress: e.progress } });
        break;
      case 'evaluation': {
        const evalPoints = get().evalPoints.filter((r) => r.iteration !== e.report.iteration).concat(e.report);
        set({ evalPoints: evalPoints.sort((a, b) => a.iteration - b.iteration), evalProgress: null });
        // The evaluation at the last iteration is the final set's: the Evaluate panel shows it too.
        if (e.report.iteration === get().runConfig?.iterations) useEval.getState().show(e.report);
        break;
      }
      case 'done':
        set({
          runStatus: 'done',
          doneReason: e.reason,
          iteration: e.iteration,
          syntheticSha256: e.syntheticSha256 ?? null,
          pending: null,
          preparing: null,
          evalProgress: null,
          endedAt: performance.now(),
        });
        save({ status: e.reason === 'completed' ? 'done' : 'stopped', iteration: e.iteration, lossPoints: get().lossPoints, syntheticSha256: e.syntheticSha256 ?? null });
        break;
      case 'error':
        // The last good checkpoint stays saved; the run can be resumed from it.
        save({ status: 'stopped' });
        set({
          preparing: null,
          evalProgress: null,
          runStatus: 'error',
          pending: null,
          endedAt: performance.now(),
          lastGood: e.kind === 'diverged' ? (e.lastGood ?? 0) : null,
          error:
            e.kind === 'diverged'
              ? {
                  source: 'run',
                  title: 'The run diverged',
                  message: e.message,
                  hint:
                    `Its last good state (iteration ${e.lastGood ?? 0}) is kept: it is what Evaluate and the exports use, and Saved runs keeps it. ` +
                    'Change the image learning rate or the momentum in the settings, then press Run.',
                  retry: false,
                }
              : {
                  source: 'run',
                  title: 'The run failed',
                  message: e.message,
                  hint: 'Try fewer images per class, a smaller network width or fewer real images per iteration (out of memory is the usual cause), or another backend.',
                  retry: false,
                },
        });
        break;
    }
  }

  /**
   * After a lost worker: a fresh one (on the run's backend, or the next one after a lost device), the dataset
   * again, and the interrupted run (`from`, if any) from its last checkpoint; after MAX_RESTARTS within the window,
   * the run stops and the page says so.
   */
  async function recover(fault: engine.EngineFault, from: SavedRun | null, wasPaused: boolean): Promise<void> {
    const s = get();
    const was = s.runBackend ?? s.backend?.backend ?? null;
    let target: BackendName | null = was;
    if (fault.kind === 'device-lost') {
      const lost = fault.backend ?? was ?? 'webgpu';
      const avoid = [...new Set([...(backendOverride?.avoid ?? []), lost])];
      target = BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(lost) + 1).find((b) => !avoid.includes(b)) ?? null;
      backendOverride = target ? { preference: target, avoid } : null;
    } else if (target) {
      backendOverride = { preference: target, avoid: backendOverride?.avoid ?? [] };
    }
    const now = Date.now();
    const runId = from?.id ?? '';
    const recent = (restarts.runId === runId ? restarts.at : []).filter((t) => now - t < RESTART_WINDOW_MS);
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
      save({ status: 'stopped' });
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
    restarts = { runId, at: [...recent, now] };
    set({ fault: info, error: null, backendStatus: 'idle', backend: null, pending: null });
    backendGeneration = -2;
    datasetGeneration = -2;
    await get().loadDataset(from?.config.dataset ?? s.datasetId);
    if (!from || get().datasetStatus !== 'ready') return;
    recovering = { pause: wasPaused };
    await get().start(from);
  }

  // A lost worker takes the backend, the dataset and any run with it; a run (or a lost device) is recovered.
  engine.onEngineFault((fault) => {
    loadToken++;
    runToken++;
    const s = get();
    const interrupted = activeRun !== null && isRunActive(s.runStatus) && record !== null && record.status === 'running';
    activeRun = null;
    if (interrupted || fault.kind === 'device-lost') {
      void recover(fault, interrupted ? record : null, s.runStatus === 'paused');
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

  const actions: Pick<
    AppState,
    | 'boot'
    | 'chooseBackend'
    | 'measureBackends'
    | 'loadDataset'
    | 'setConfig'
    | 'applyConfig'
    | 'start'
    | 'step'
    | 'reset'
    | 'pause'
    | 'resume'
    | 'stop'
    | 'toggle'
    | 'retry'
    | 'dismissError'
    | 'dismissFault'
    | 'dismissLinkErrors'
    | 'refreshSavedRuns'
    | 'resumeSaved'
    | 'deleteSaved'
    | 'clearSaved'
    | 'importFile'
    | 'continueFromImport'
    | 'dismissImport'
    | 'exportSet'
    | 'refreshDatasetCache'
    | 'clearDatasetCache'
    | 'uploadDataset'
    | 'dismissUploadError'
  > = {
    async boot() {
      void get().refreshSavedRuns();
      const s = get();
      if (s.datasetStatus === 'loading') return;
      if (s.datasetStatus === 'ready' && datasetGeneration === engine.engineGeneration()) return;
      await get().loadDataset(s.datasetId);
      if (autoRun && get().datasetStatus === 'ready') {
        autoRun = false;
        await get().start();
      }
    },

    async measureBackends() {
      if (isRunActive(get().runStatus)) return;
      remeasureNext = true;
      backendOverride = null;
      set({ backendPreference: 'auto', backendStatus: 'idle', backend: null, error: null, ...RUN_RESET });
      engine.restartEngine();
      backendGeneration = -2;
      datasetGeneration = -2;
      if (get().datasetId === 'custom') set({ datasetId: DEFAULT_DATASET });
      set({ uploadedName: null });
      await get().loadDataset(get().datasetId);
    },

    async chooseBackend(preference) {
      if (preference === get().backendPreference && get().backendStatus === 'ready' && !backendOverride) return;
      // The user's choice replaces whatever a fault recovery chose.
      backendOverride = null;
      set({ backendPreference: preference, backendStatus: 'idle', backend: null, error: null });
      await stopActiveRun();
      set({ ...RUN_RESET });
      // A fresh worker: the engine's state then never mixes two backends (and has no uploaded dataset).
      engine.restartEngine();
      backendGeneration = -2;
      datasetGeneration = -2;
      if (get().datasetId === 'custom') set({ datasetId: DEFAULT_DATASET });
      set({ uploadedName: null });
      await get().loadDataset(get().datasetId);
    },

    async loadDataset(id) {
      const token = ++loadToken;
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
      await stopActiveRun();
      if (token !== loadToken) return;
      set({ ...RUN_RESET });
      try {
        const summary = await serial(async () => {
          if (token !== loadToken) throw new Superseded();
          await ensureBackend();
          if (token !== loadToken) throw new Superseded();
          return engine.loadDataset(id, (p) => {
            if (token === loadToken) set({ loadProgress: p });
          });
        });
        if (token !== loadToken) return;
        datasetGeneration = engine.engineGeneration();
        set({ dataset: summary, datasetStatus: 'ready', loadProgress: null });
        if (summary.upload) set({ config: { ...get().config, datasetSha256: summary.upload.sha256 } });
        void get().refreshDatasetCache();
      } catch (err) {
        if (token !== loadToken || err instanceof Superseded || isMoot(err)) return;
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
      const token = ++loadToken;
      try {
        const total = picked.reduce((n, p) => n + p.file.size, 0);
        if (total > MAX_DATASET_BYTES) {
          const what = picked.length === 1 ? picked[0]!.path : `${picked.length} files`;
          throw new Error(`${what}: ${total} bytes in all; at most ${MAX_DATASET_BYTES} are accepted`);
        }
        const files = await Promise.all(picked.map(async (p) => ({ path: p.path, bytes: new Uint8Array(await p.file.arrayBuffer()) })));
        const summary = await serial(async () => {
          await ensureBackend();
          return engine.loadOwnDataset(files, (p) => {
            if (token === loadToken) set({ uploadProgress: p });
          });
        });
        if (token !== loadToken) return;
        datasetGeneration = engine.engineGeneration();
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

    setConfig(patch) {
      if (isRunActive(get().runStatus)) return;
      set({ config: { ...get().config, ...patch } });
    },

    async applyConfig(config) {
      if (isRunActive(get().runStatus)) return;
      set({ config });
      if (config.dataset !== get().datasetId || get().datasetStatus === 'error') await get().loadDataset(config.dataset);
    },

    async start(from?: SavedRun, options: StartRunOptions = {}) {
      // Whether a fault recovery asked for this start (it asks once).
      const rec = recovering;
      recovering = null;
      const s = get();
      if (!canStart(s) || !s.dataset) return;
      if (datasetGeneration !== engine.engineGeneration()) {
        await get().retry();
        return;
      }
      const config: RunConfig = from ? from.config : { ...(options.config ?? s.config), dataset: s.dataset.id };
      // Refused before it starts (the worker checks again): nothing is saved, and what the page shows stays.
      const needed = estimateRunBytes(config, s.dataset.shape, s.dataset.classes.length);
      const refusal = needed !== null && s.backend ? memoryRefusal(needed, s.backend.memoryBudget, s.backend.backend, config.method) : null;
      if (refusal) {
        set({
          error: {
            source: 'run',
            title: 'This run would not fit in memory',
            message: refusal,
            hint: `The estimate under the ${config.method.toUpperCase()} settings follows your changes: lower them until it fits, then press Run.`,
            retry: false,
          },
        });
        return;
      }
      const token = ++runToken;
      const ev = useEval.getState();
      const evaluate: EvalSchedule | undefined = options.evaluate ?? (ev.every >= 1 ? { every: ev.every, request: ev.request } : undefined);
      const resume = from?.checkpoint ?? undefined;
      const now = Date.now();
      record = from
        ? { ...from, status: 'running' }
        : { id: runsDb.newRunId(), createdAt: now, updatedAt: now, config, backend: s.backend?.backend ?? null, status: 'running', iteration: 0, lossPoints: [], checkpoint: null, syntheticSha256: null };
      set({
        ...RUN_RESET,
        runStatus: 'loading',
        runConfig: config,
        error: null,
        // A run from the controls starts with a clean slate; a recovered one keeps saying what happened.
        fault: rec ? get().fault : null,
        currentRunId: record.id,
        startedFromFile: options.fromImport ? (s.imported?.file ?? null) : null,
        savedIteration: resume?.iteration ?? null,
        pending: options.step ? 'step' : rec?.pause ? 'pause' : null,
        // A resumed run's curve continues from its checkpoint.
        lossPoints: resume ? (from?.lossPoints ?? []).filter((p) => p.iteration <= resume.iteration) : [],
        iteration: resume?.iteration ?? 0,
      });
      if (!from) save({});
      // The last evaluation was of another set.
      useEval.getState().reset();
      // The events come on their own channel: the last ones can arrive after start() resolved.
      let sawEnd = () => {};
      const ended = new Promise<void>((resolve) => (sawEnd = resolve));
      const run = engine.startRun(
        config,
        (e) => {
          if (token === runToken) handleRunEvent(e);
          if (e.type === 'done' || e.type === 'error') sawEnd();
        },
        {
          ...(resume ? { resume } : {}),
          ...(options.fromImport ? { fromImport: true } : {}),
          ...(evaluate ? { evaluate } : {}),
          ...(options.step ? { step: true } : {}),
          // A run recovered after a fault while paused waits, paused, at its checkpoint.
          ...(rec?.pause ? { paused: true } : {}),
        },
      );
      activeRun = run;
      try {
        await run;
        // Whoever awaits start() (the comparison) then sees the final state: fingerprint, last evaluation.
        await Promise.race([ended, wait(2000)]);
        if (token !== runToken) return;
        // The engine resolved without saying 'done' (or its last event is still in flight): it is over either way.
        if (isRunActive(get().runStatus)) {
          set({
            runStatus: 'done',
            doneReason: get().pending === 'stop' ? 'stopped' : 'completed',
            pending: null,
            endedAt: performance.now(),
          });
        }
      } catch (err) {
        if (token !== runToken || isMoot(err) || err instanceof engine.EngineCrashedError) return;
        if (get().runStatus === 'error') return; // the 'error' event already told the story
        handleRunEvent({ type: 'error', message: errorMessage(err) });
      } finally {
        if (activeRun === run) activeRun = null;
      }
    },

    pause() {
      const { runStatus, pending } = get();
      if (runStatus !== 'running' || pending) return;
      set({ pending: 'pause' });
      engine.pauseRun().catch(() => set({ pending: null }));
    },

    resume() {
      const { runStatus, pending } = get();
      // While a step is in flight the run is still paused; resume once it has landed.
      if (runStatus !== 'paused' || pending) return;
      set({ pending: 'resume' });
      engine.resumeRun().catch(() => set({ pending: null }));
    },

    async stop() {
      await stopActiveRun();
    },

    toggle() {
      const s = get();
      if (s.runStatus === 'running') s.pause();
      else if (s.runStatus === 'paused') s.resume();
      else if (canStart(s)) void s.start();
    },

    step() {
      const s = get();
      if (s.runStatus === 'running') {
        s.pause();
      } else if (s.runStatus === 'paused') {
        if (s.pending) return;
        set({ pending: 'step' });
        engine.stepRun().catch(() => set({ pending: null }));
      } else if (canStart(s)) {
        void s.start(undefined, { step: true });
      }
    },

    async reset() {
      await stopActiveRun();
      if (isRunActive(get().runStatus)) return;
      set({ ...RUN_RESET });
      useEval.getState().reset();
    },

    async retry() {
      await stopActiveRun();
      engine.restartEngine();
      backendGeneration = -2;
      datasetGeneration = -2;
      set({ backendStatus: 'idle', backend: null, error: null });
      await get().loadDataset(get().datasetId);
    },

    dismissError() {
      set({ error: null });
    },

    dismissFault() {
      set({ fault: null });
    },

    dismissLinkErrors() {
      set({ linkErrors: [] });
    },

    async refreshSavedRuns() {
      try {
        set({ savedRuns: await runsDb.listRuns() });
      } catch (err) {
        set({ saveError: errorMessage(err) });
      }
    },

    async resumeSaved(id) {
      if (isRunActive(get().runStatus)) return;
      let saved: SavedRun | undefined;
      try {
        saved = await runsDb.loadRun(id);
      } catch (err) {
        set({ saveError: errorMessage(err) });
        return;
      }
      if (!saved?.checkpoint) return;
      if (get().datasetId !== saved.config.dataset || get().datasetStatus !== 'ready') await get().loadDataset(saved.config.dataset);
      if (get().datasetStatus !== 'ready') return;
      set({ config: saved.config });
      await get().start(saved);
    },

    async deleteSaved(id) {
      try {
        await runsDb.deleteRun(id);
      } catch (err) {
        set({ saveError: errorMessage(err) });
      }
      await get().refreshSavedRuns();
    },

    async importFile(file) {
      // A file can be checked while a run goes on (a bad one is named and changes nothing); a good one is used
      // only once no run is active.
      if (get().importStatus === 'reading') return;
      set({ importStatus: 'reading', importError: null });
      let summary: ImportSummary;
      try {
        if (file.size > MAX_IMPORT_BYTES) {
          throw new Error(`${file.name}: the file has ${file.size} bytes; at most ${MAX_IMPORT_BYTES} are accepted`);
        }
        summary = await engine.importFile(new Uint8Array(await file.arrayBuffer()), file.name);
      } catch (err) {
        set({ importStatus: 'error', importError: errorMessage(err) });
        return;
      }
      if (isRunActive(get().runStatus)) {
        const what = summary.kind === 'record' ? 'a run record (its configuration replaces the controls)' : 'a .npz set';
        set({ importStatus: 'error', importError: `${summary.file}: ${what}; stop the run, or let it finish, before importing it` });
        return;
      }
      set({ importStatus: 'idle' });
      if (get().datasetId !== summary.config.dataset || get().datasetStatus !== 'ready') await get().loadDataset(summary.config.dataset);
      if (get().datasetStatus !== 'ready') return;
      if (summary.kind === 'record') {
        set({ config: summary.config, importedRecord: summary });
        return;
      }
      // The imported set is now what Evaluate and the exports work on.
      set({
        ...RUN_RESET,
        config: summary.config,
        imported: summary,
        runConfig: summary.config,
        grid: summary.grid,
        gridIteration: 0,
      });
      useEval.getState().reset();
    },

    async continueFromImport() {
      const { imported } = get();
      if (!imported || isRunActive(get().runStatus)) return;
      set({ config: { ...get().config, dataset: imported.dataset, ipc: imported.ipc } });
      await get().start(undefined, { fromImport: true });
    },

    dismissImport() {
      set({ imported: null, importedRecord: null, importError: null, importStatus: 'idle' });
    },

    async exportSet(kind) {
      if (get().exporting) return;
      set({ exporting: kind, exportError: null });
      try {
        const file = await engine.exportSet(kind, { lossPoints: get().lossPoints, app: { name: 'distill-playground', version: APP_VERSION } });
        downloadFile(file.bytes, file.name, file.mime);
        set({ exporting: null });
      } catch (err) {
        set({ exporting: null, exportError: errorMessage(err) });
      }
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

    async clearSaved() {
      try {
        await runsDb.clearRuns();
      } catch (err) {
        set({ saveError: errorMessage(err) });
      }
      await get().refreshSavedRuns();
    },
  };

  return {
    backendPreference: link.backend,
    backendStatus: 'idle',
    backend: null,
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
    config: link.present ? link.config : { ...DEFAULT_RUN_CONFIG, dataset: DEFAULT_DATASET },
    ...RUN_RESET,
    error: null,
    fault: null,
    linkErrors: link.errors,
    savedRuns: [],
    saveError: null,
    imported: null,
    importedRecord: null,
    importStatus: 'idle',
    importError: null,
    exporting: null,
    exportError: null,
    ...actions,
  };
});

// The address bar follows the controls, so a reload or a copied address keeps every setting.
useApp.subscribe((s, prev) => {
  if (s.config !== prev.config || s.backendPreference !== prev.backendPreference) writeLink(s.config, s.backendPreference);
});
