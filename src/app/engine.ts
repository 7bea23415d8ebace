/**
 * The only module that talks to the compute worker.
 *
 * The worker is created lazily on the first call. If it fails (a script that cannot load, an uncaught error,
 * a message that cannot be decoded), stops answering the heartbeat while a run is in flight, or loses its WebGPU
 * device, it is terminated, every pending call rejects with `EngineCrashedError`, and fault listeners hear what
 * happened; the next call starts a fresh worker.
 *
 * With `#test-hooks` in the page's address, `window.__distillTest` can terminate the worker or have it simulate a
 * fault, for the fault tests (e2e/faults.spec.ts); nothing in the page's UI reaches it.
 */
import * as Comlink from 'comlink';
import type { DatasetId } from './lib/datasets';
import type {
  BackendName,
  BenchCase,
  BenchCaseResult,
  BackendOptions,
  BackendPreference,
  BackendReport,
  DeviceLoss,
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
  TestFault,
} from '../shared/protocol';
import type { LabConfig, LabEvent, LabResult } from '../shared/lab';
import { HangDetector, HEARTBEAT, TEST_HEARTBEAT } from './lib/heartbeat';

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

/**
 * Why a worker was lost: it failed ('crashed': an uncaught error, a script that did not load), stopped answering
 * ('unresponsive'), or its WebGPU device was lost ('device-lost', with the backend it was on).
 */
export interface EngineFault {
  kind: 'crashed' | 'unresponsive' | 'device-lost';
  message: string;
  backend?: BackendName;
}

type FaultListener = (fault: EngineFault) => void;

/** The fault tests' flag (the address's hash, so the run config's link codec never sees it). */
const TEST_HOOKS = typeof location !== 'undefined' && /(^#|&)test-hooks(&|$)/.test(location.hash);
const heartbeat = TEST_HOOKS ? TEST_HEARTBEAT : HEARTBEAT;

let session: Session | null = null;
let generation = 0;
/** Evaluations in flight: the heartbeat does not judge a paused run's worker while one trains its networks. */
let evaluations = 0;
const faultListeners = new Set<FaultListener>();

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
    // The worker honours simulated faults only under this name.
    name: TEST_HOOKS ? 'distill-engine-test' : 'distill-engine',
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
  worker.addEventListener('error', (event) => crash(s, { kind: 'crashed', message: describeWorkerError(event) }));
  worker.addEventListener('messageerror', () =>
    crash(s, { kind: 'crashed', message: 'The compute worker sent a message that could not be decoded.' }),
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

function crash(s: Session, fault: EngineFault): void {
  if (!s.alive) return;
  endSession(s, new EngineCrashedError(fault.message));
  for (const listener of faultListeners) listener(fault);
}

/**
 * Pings the worker while `s` runs something long; one unanswered for longer than the HangDetector allows ends the
 * session as unresponsive. Returns the detector (fed with the run's iteration times) and the function that stops.
 */
function watch(s: Session): { detector: HangDetector; stop: () => void } {
  const detector = new HangDetector(heartbeat);
  let sentAt: number | null = null;
  const timer = setInterval(() => {
    if (!s.alive) {
      clearInterval(timer);
      return;
    }
    const now = performance.now();
    if (evaluations > 0) {
      // Busy on purpose, in steps of its own length; judged again once it is over.
      sentAt = null;
      return;
    }
    if (sentAt !== null) {
      if (detector.isHung(now - sentAt)) {
        clearInterval(timer);
        crash(s, { kind: 'unresponsive', message: `The compute worker stopped answering: no reply for ${Math.round((now - sentAt) / 1000)} s.` });
      }
      return;
    }
    const sent = now;
    sentAt = sent;
    s.api.ping().then(
      () => {
        detector.answered(performance.now() - sent);
        sentAt = null;
      },
      () => {},
    );
  }, heartbeat.intervalMs);
  return { detector, stop: () => clearInterval(timer) };
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

/** Subscribe to lost workers (crashed, unresponsive, device lost); returns the unsubscribe function. */
export function onEngineFault(listener: FaultListener): () => void {
  faultListeners.add(listener);
  return () => faultListeners.delete(listener);
}

/** Increases every time a fresh worker is started (0 before the first). State loaded into a worker belongs to its generation. */
export function engineGeneration(): number {
  return session?.alive ? session.generation : -1;
}

/** Terminate the worker (if any); the next call starts a fresh one. Pending calls reject with EngineRestartedError. */
export function restartEngine(): void {
  if (session) endSession(session, new EngineRestartedError('The compute worker was restarted.'));
}

/** Choose the backend; `avoid` lists backends not to try (webgpu after its device was lost). */
export function initBackend(preference: BackendPreference, avoid: BackendName[] = [], options: BackendOptions = {}): Promise<BackendReport> {
  const s = current();
  const onDeviceLost = (loss: DeviceLoss) =>
    crash(s, { kind: 'device-lost', backend: loss.backend, message: `The GPU device under ${loss.backend} was lost (${loss.reason}: ${loss.message.replace(/\.$/, '')}).` });
  return call((api) => api.initBackend(preference, Comlink.proxy(onDeviceLost), avoid, options));
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
  const { detector, stop } = watch(current());
  const listen = (e: RunEvent) => {
    // The slowest iteration so far sets how long a silence may last.
    if (e.type === 'progress') for (const p of e.points) detector.iteration(p.ms);
    onEvent(e);
  };
  const run = call((api) => api.start(config, Comlink.proxy(listen), options));
  run.then(stop, stop);
  return run;
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
  evaluations++;
  const done = () => {
    evaluations--;
  };
  const p = call((api) => api.evaluate(request, Comlink.proxy(onProgress)));
  p.then(done, done);
  return p;
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

/** The page benchmark on the current backend and the loaded dataset (core/run/bench.ts). */
export function benchmark(dataset: RunConfig['dataset'], cases: BenchCase[]): Promise<BenchCaseResult[]> {
  return call((api) => api.benchmark(dataset, cases));
}

/** Run the multi-index teaching lab in the worker; events stream to `onEvent`; resolves with the (partial, when cancelled) result. */
export function runLab(config: LabConfig, onEvent: (e: LabEvent) => void): Promise<LabResult> {
  return call((api) => api.runLab(config, Comlink.proxy(onEvent)));
}

/** Stop the lab after its current iteration. */
export function cancelLab(): Promise<void> {
  return call((api) => api.cancelLab());
}

declare global {
  interface Window {
    /** Fault-test hooks, present only with `#test-hooks` in the address. */
    __distillTest?: { terminate: () => void; fault: (fault: TestFault) => Promise<void>; generation: () => number };
  }
}

if (TEST_HOOKS && typeof window !== 'undefined') {
  window.__distillTest = {
    // Ends the worker as a crash of the browser's would: no event, no goodbye; only the heartbeat can tell.
    terminate: () => session?.worker.terminate(),
    fault: (fault) => call((api) => api.testFault(fault)),
    generation: engineGeneration,
  };
}
