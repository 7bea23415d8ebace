/**
 * The only module that talks to the compute worker.
 *
 * The worker is created lazily on the first call. If it fails (a script that cannot load, an uncaught error,
 * a message that cannot be decoded), it is terminated, every pending call rejects with `EngineCrashedError`,
 * and crash listeners get a readable message; the next call starts a fresh worker.
 */
import * as Comlink from 'comlink';
import type { DatasetId } from './lib/datasets';
import type {
  BackendPreference,
  BackendReport,
  DatasetSummary,
  EngineApi,
  EvalProgress,
  EvalReport,
  EvalRequest,
  LoadProgress,
  ExportContext,
  ExportFile,
  ExportKind,
  ImportSummary,
  RunConfig,
  RunEvent,
  StartOptions,
} from '../shared/protocol';

/** The worker died or failed to start; the message says why. */
export class EngineCrashedError extends Error {
  override name = 'EngineCrashedError';
}

/** The worker was replaced on purpose (e.g. another backend was chosen); calls still pending on it are moot. */
export class EngineRestartedError extends Error {
  override name = 'EngineRestartedError';
}

interface Session {
  generation: number;
  worker: Worker;
  api: Comlink.Remote<EngineApi>;
  /** Rejects when the session ends; every call races against it so none can hang on a dead worker. */
  ended: Promise<never>;
  end: (error: Error) => void;
  alive: boolean;
}

type CrashListener = (message: string) => void;

let session: Session | null = null;
let generation = 0;
const crashListeners = new Set<CrashListener>();

function describeWorkerError(event: Event): string {
  if (event instanceof ErrorEvent && event.message) {
    const where = event.filename ? ` (${event.filename.split('/').pop() ?? event.filename}:${event.lineno})` : '';
    return `The compute worker failed: ${event.message}${where}`;
  }
  return 'The compute worker could not be started: its script failed to load or threw while loading.';
}

function createSession(): Session {
  const worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'distill-engine',
  });
  let reject: (error: Error) => void = () => {};
  const ended = new Promise<never>((_, rej) => {
    reject = rej;
  });
  // Nobody may be waiting on it when it ends; that is fine.
  ended.catch(() => {});
  const s: Session = {
    generation: ++generation,
    worker,
    api: Comlink.wrap<EngineApi>(worker),
    ended,
    end: reject,
    alive: true,
  };
  worker.addEventListener('error', (event) => crash(s, describeWorkerError(event)));
  worker.addEventListener('messageerror', () =>
    crash(s, 'The compute worker sent a message that could not be decoded.'),
  );
  return s;
}

function endSession(s: Session, error: Error): void {
  if (!s.alive) return;
  s.alive = false;
  s.worker.terminate();
  if (session === s) session = null;
  s.end(error);
}

function crash(s: Session, message: string): void {
  if (!s.alive) return;
  endSession(s, new EngineCrashedError(message));
  for (const listener of crashListeners) listener(message);
}

function current(): Session {
  session ??= createSession();
  return session;
}

/** Run one remote call, rejecting if the worker dies or is replaced before it answers. */
function call<T>(fn: (api: Comlink.Remote<EngineApi>) => Promise<T>): Promise<T> {
  const s = current();
  return Promise.race([fn(s.api), s.ended]);
}

/** Subscribe to worker crashes; returns the unsubscribe function. */
export function onEngineCrash(listener: CrashListener): () => void {
  crashListeners.add(listener);
  return () => crashListeners.delete(listener);
}

/** Increases every time a fresh worker is started (0 before the first). State loaded into a worker belongs to its generation. */
export function engineGeneration(): number {
  return session?.alive ? session.generation : -1;
}

/** Terminate the worker (if any); the next call starts a fresh one. Pending calls reject with EngineRestartedError. */
export function restartEngine(): void {
  if (session) endSession(session, new EngineRestartedError('The compute worker was restarted.'));
}

export function initBackend(preference: BackendPreference): Promise<BackendReport> {
  return call((api) => api.initBackend(preference));
}

export function loadDataset(id: DatasetId, onProgress: (p: LoadProgress) => void): Promise<DatasetSummary> {
  return call((api) => api.loadDataset(id, Comlink.proxy(onProgress)));
}

/** Decode the user's own dataset files in the worker (the bytes are transferred, not copied). */
export function loadOwnDataset(files: { path: string; bytes: Uint8Array }[], onProgress: (p: LoadProgress) => void): Promise<DatasetSummary> {
  return call((api) => api.loadOwnDataset(Comlink.transfer(files, files.map((f) => f.bytes.buffer as ArrayBuffer)), Comlink.proxy(onProgress)));
}

/** Start a run; events stream to `onEvent`; resolves when the run completes, is stopped or fails. */
export function startRun(config: RunConfig, onEvent: (e: RunEvent) => void, options?: StartOptions): Promise<void> {
  return call((api) => api.start(config, Comlink.proxy(onEvent), options));
}

export function pauseRun(): Promise<void> {
  return call((api) => api.pause());
}

export function resumeRun(): Promise<void> {
  return call((api) => api.resume());
}

export function stepRun(): Promise<void> {
  return call((api) => api.step());
}

export function stopRun(): Promise<void> {
  return call((api) => api.stop());
}

/** Evaluate the latest synthetic set beside its baselines; progress streams to `onProgress`. */
export function evaluate(request: EvalRequest, onProgress: (p: EvalProgress) => void): Promise<EvalReport> {
  return call((api) => api.evaluate(request, Comlink.proxy(onProgress)));
}

export function cancelEvaluation(): Promise<void> {
  return call((api) => api.cancelEvaluation());
}

/** Read a user's `.npz` set or run record in the worker (the bytes are transferred, not copied). */
export function importFile(bytes: Uint8Array, name: string): Promise<ImportSummary> {
  return call((api) => api.importFile(Comlink.transfer(bytes, [bytes.buffer]), name) as Promise<ImportSummary>);
}

/** The latest synthetic set as a `.npz`, a PNG grid or a run record. */
export function exportSet(kind: ExportKind, context: ExportContext): Promise<ExportFile> {
  return call((api) => api.exportSet(kind, context));
}
