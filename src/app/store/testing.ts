/**
 * Test doubles for the store's slice tests (never imported by the page): a scripted engine that stands in for
 * `../engine` (the real one needs a browser's worker; the e2e specs run it for real), and an in-memory saved-runs
 * database that stands in for `../lib/runs-db` (IndexedDB). Tests wire them with
 * `vi.mock('../engine', () => import('./testing').then((m) => m.engineModule))`.
 */
import type {
  BackendPreference,
  BackendReport,
  DatasetSummary,
  ExportFile,
  ExportKind,
  ImageGrid,
  ImportSummary,
  LoadProgress,
  RunCheckpoint,
  RunConfig,
  RunEvent,
  StartOptions,
} from '../../shared/protocol';
import type { EngineFault } from '../engine';
import type { SavedRun, SavedRunSummary } from '../lib/runs-db';
import type { DatasetId } from '../lib/datasets';

export const grid = (rows = 1): ImageGrid => ({ rgba: new Uint8ClampedArray(4 * rows), width: 1, height: rows, rows, cols: 1, cellWidth: 1, cellHeight: 1 });

export function summaryOf(id: string, extra: Partial<DatasetSummary> = {}): DatasetSummary {
  return {
    id: id as DatasetSummary['id'],
    name: id,
    variant: 'idx',
    classes: ['a', 'b'],
    shape: [28, 28, 1],
    trainCount: 20,
    testCount: 10,
    classCounts: [10, 10],
    sample: grid(),
    storage: { source: 'download' },
    ...extra,
  };
}

export function checkpointAt(iteration: number): RunCheckpoint {
  return { iteration } as RunCheckpoint;
}

class CrashedError extends Error {
  override name = 'EngineCrashedError';
}
class RestartedError extends Error {
  override name = 'EngineRestartedError';
}

/** A run the test drives: `emit` sends its events, `finish` resolves the engine's start(). */
export interface FakeRun {
  config: RunConfig;
  options: StartOptions | undefined;
  emit: (e: RunEvent) => void;
  finish: () => void;
  fail: (err: Error) => void;
}

/** What the scripted engine was asked, and how it answers (a test sets the fields it needs before acting). */
export const fake = {
  generation: 0,
  alive: false,
  calls: [] as string[],
  initBackend: [] as { preference: BackendPreference; avoid: string[]; remeasure: boolean }[],
  backendError: null as Error | null,
  memoryBudget: 1e12,
  /** Per dataset id: an error to throw, or a gate the load waits on. */
  datasetErrors: {} as Record<string, Error>,
  datasetGates: {} as Record<string, Promise<void>>,
  ownDataset: summaryOf('custom', { name: 'my digits', upload: { sha256: 'f'.repeat(64), format: 'folder', notes: [], files: 2 } }),
  ownDatasetError: null as Error | null,
  /** 'auto': each run says started, one progress per iteration, done; 'manual': the test drives it (`runs`). */
  mode: 'auto' as 'auto' | 'manual',
  runs: [] as FakeRun[],
  importResult: null as ImportSummary | null,
  importError: null as Error | null,
  exportError: null as Error | null,
  listeners: new Set<(f: EngineFault) => void>(),

  reset(): void {
    Object.assign(fake, {
      generation: 0,
      alive: false,
      calls: [],
      initBackend: [],
      backendError: null,
      memoryBudget: 1e12,
      datasetErrors: {},
      datasetGates: {},
      ownDatasetError: null,
      mode: 'auto',
      runs: [],
      importResult: null,
      importError: null,
      exportError: null,
    });
  },

  /** The worker is lost: pending calls are moot, listeners hear it, the next call starts a fresh worker. */
  fault(f: EngineFault): void {
    fake.alive = false;
    for (const l of [...fake.listeners]) l(f);
  },

  /** The run started last. */
  get run(): FakeRun {
    const r = fake.runs.at(-1);
    if (!r) throw new Error('no run was started');
    return r;
  },
};

function touch(call: string): void {
  fake.calls.push(call);
  if (!fake.alive) {
    fake.generation++;
    fake.alive = true;
  }
}

/** The stand-in for `../engine` (only what the store uses). */
export const engineModule = {
  EngineCrashedError: CrashedError,
  EngineRestartedError: RestartedError,
  engineGeneration: () => (fake.alive ? fake.generation : -1),
  onEngineFault(listener: (f: EngineFault) => void) {
    fake.listeners.add(listener);
    return () => fake.listeners.delete(listener);
  },
  restartEngine() {
    fake.calls.push('restartEngine');
    fake.alive = false;
  },
  async initBackend(preference: BackendPreference, avoid: string[], opts: { remeasure?: boolean }): Promise<BackendReport> {
    touch(`initBackend:${preference}`);
    fake.initBackend.push({ preference, avoid, remeasure: !!opts?.remeasure });
    await Promise.resolve();
    if (fake.backendError) throw fake.backendError;
    const backend = preference === 'auto' ? 'wasm' : preference;
    return { backend, skipped: [], smokeMs: 1, detail: '', memoryBudget: fake.memoryBudget };
  },
  async loadDataset(id: DatasetId, onProgress: (p: LoadProgress) => void): Promise<DatasetSummary> {
    touch(`loadDataset:${id}`);
    await fake.datasetGates[id];
    onProgress({ phase: 'download', file: `${id}.bin`, loaded: 1, total: 2 });
    const err = fake.datasetErrors[id];
    if (err) throw err;
    return summaryOf(id);
  },
  async loadOwnDataset(files: { path: string; bytes: Uint8Array }[]): Promise<DatasetSummary> {
    touch(`loadOwnDataset:${files.map((f) => f.path).join(',')}`);
    await Promise.resolve();
    if (fake.ownDatasetError) throw fake.ownDatasetError;
    return fake.ownDataset;
  },
  startRun(config: RunConfig, onEvent: (e: RunEvent) => void, options?: StartOptions): Promise<void> {
    touch('startRun');
    return new Promise<void>((resolve, reject) => {
      const run: FakeRun = { config, options, emit: onEvent, finish: resolve, fail: reject };
      fake.runs.push(run);
      if (fake.mode === 'manual') return;
      const from = options?.resume?.iteration ?? 0;
      onEvent({ type: 'started', config, backend: 'wasm', initial: grid(2), fromIteration: from });
      for (let it = from + 1; it <= config.iterations; it++) {
        onEvent({ type: 'progress', points: [{ iteration: it, loss: 1 / it, ms: 2 }], iteration: it, numTensors: 3, numBytes: 4 });
      }
      onEvent({ type: 'done', iteration: config.iterations, reason: 'completed', syntheticSha256: `sha-${config.iterations}` });
      resolve();
    });
  },
  async stopRun() {
    fake.calls.push('stopRun');
    const r = fake.runs.at(-1);
    if (fake.mode === 'manual' && r) {
      r.emit({ type: 'done', iteration: 1, reason: 'stopped' });
      r.finish();
    }
  },
  async pauseRun() {
    fake.calls.push('pauseRun');
  },
  async resumeRun() {
    fake.calls.push('resumeRun');
  },
  async stepRun() {
    fake.calls.push('stepRun');
  },
  async importFile(_bytes: Uint8Array, name: string): Promise<ImportSummary> {
    touch(`importFile:${name}`);
    await Promise.resolve();
    if (fake.importError) throw fake.importError;
    if (!fake.importResult) throw new Error(`${name}: no import result scripted`);
    return fake.importResult;
  },
  async exportSet(kind: ExportKind): Promise<ExportFile> {
    touch(`exportSet:${kind}`);
    await Promise.resolve();
    if (fake.exportError) throw fake.exportError;
    return { bytes: new Uint8Array([1, 2, 3]), name: `set.${kind}`, mime: 'application/octet-stream' };
  },
};

/** An in-memory saved-runs database; `failWith` makes every call reject (a full or missing IndexedDB). */
export const memoryDb = {
  runs: new Map<string, SavedRun>(),
  failWith: null as Error | null,
  saves: 0,
  reset(): void {
    memoryDb.runs.clear();
    memoryDb.failWith = null;
    memoryDb.saves = 0;
  },
};

function check(): void {
  if (memoryDb.failWith) throw memoryDb.failWith;
}

export function runsDbModule(real: typeof import('../lib/runs-db')) {
  return {
    ...real,
    async saveRun(run: SavedRun) {
      check();
      memoryDb.saves++;
      memoryDb.runs.set(run.id, structuredClone(run));
    },
    async loadRun(id: string) {
      check();
      return memoryDb.runs.get(id);
    },
    async listRuns(): Promise<SavedRunSummary[]> {
      check();
      return [...memoryDb.runs.values()].sort((a, b) => b.createdAt - a.createdAt).map(real.summarise);
    },
    async deleteRun(id: string) {
      check();
      memoryDb.runs.delete(id);
    },
    async clearRuns() {
      check();
      memoryDb.runs.clear();
    },
  };
}
