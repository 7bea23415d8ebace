/**
 * The engine's Web Worker: owns TensorFlow.js, the loaded datasets and the running distillation, and
 * exposes `EngineApi` to the UI through comlink. Everything that crosses is plain data.
 */
import '../shared/zod-setup';
import { pixelsSha256 } from '../core/data/sha256';
import * as Comlink from 'comlink';
import type {
  BenchCase,
  BenchCaseResult,
  BackendName,
  BackendPreference,
  BackendReport,
  BackendOptions,
  EngineApi,
  EvalProgress,
  EvalReport,
  EvalRequest,
  ExportContext,
  ExportFile,
  ExportKind,
  ImportSummary,
  LoadProgress,
  DeviceLoss,
  RunCheckpoint,
  RunConfig,
  RunEvent,
  StartOptions,
  TestFault,
} from '../shared/protocol';
import { BaselineCache } from '../core/eval/baselines';
import { decodePixels } from '../core/methods/idc/multiformation';
import type { DatasetId, RunDatasetId } from '../core/data/types';
import { datasetSha256, decodeOwnFiles } from '../core/data/own';
import { DatasetFormatError } from '../core/data/errors';
import { MAX_DATASET_BYTES } from '../shared/config';
import { selectBackend, willProbe } from '../core/backend';
import { getDataset } from '../core/data/registry';
import { decodeDataset } from '../core/data/load';
import { prepareRealData } from '../core/data/batches';
import { imagesToGrid } from '../core/render';
import { DistillRun } from '../core/run/run';
import { runFactor } from '../shared/methods';
import type { Cached, MethodCache } from '../core/methods/method';
import { benchCase } from '../core/run/bench';
import { estimateRunBytes, memoryRefusal, type Residency } from '../shared/memory';
import { DivergedError, RunControl, drive } from '../core/run/driver';
import { fetchDatasetFiles } from './fetch-dataset';
import { decodeProgress, LoadedDatasets, summariseDataset, type DatasetEntry } from './datasets';
import { evaluateDuringRun, evaluateWithBaselines } from './evaluation';
import { readImport, type ImportedSet } from '../core/run/imports';
import { buildRunRecord, datasetOf, initialOf } from '../core/run/record';
import { classMajorSet, encodeNpz } from '../core/data/npz';
import { encodePng } from '../core/png';
import { adapterDescription, destroyDevice, prepareBrowserBackend, watchDeviceLoss } from './backends';
import { labConfigSchema, type LabConfig, type LabEvent } from '../shared/lab';
import { runMultiIndexLab } from '../core/lab/multi-index/lab';

/** The loaded datasets; 'custom' is the last one uploaded (an upload replaces it only once it has decoded). */
const datasets = new LoadedDatasets();

/** Baseline accuracies (random real, herding, k-center) by dataset, IPC and evaluation settings. */
const baselines = new BaselineCache();
let backend: BackendReport | null = null;
let control: RunControl | null = null;
/** The run in progress (or paused). */
let current: DistillRun | null = null;

/** A synthetic set the page can evaluate and export: of a run (paused or finished), or imported. */
interface SetSource {
  pixels: Float32Array;
  /** KRR's learned labels ([N, classes]) when the run learned them; exported beside the class labels. */
  softLabels?: Float32Array;
  /** Its fingerprint (pixelsSha256), once computed. */
  sha256?: string;
  config: RunConfig;
  iteration: number;
  backend: string;
  /** Where the run's real batches came from (resident on the device or from the host), for the record. */
  realBatches?: Residency;
  /** What the run started from (its init's choice), for the record; absent for an imported set. */
  initial?: Parameters<typeof initialOf>[0];
  /** The imported file the run started from, or that this set is. */
  startedFrom?: { file: string; sha256: string };
  imported: boolean;
  /** The last evaluation of exactly this set. */
  evaluation?: EvalReport;
  /** What the method reported about this set when its run ended (Method.readouts), for the record. */
  readouts?: Record<string, number>;
}
/** The last finished run's set, or the imported set (whichever came last). */
let latest: SetSource | null = null;
/** The last imported set, which a run can start from. */
let imported: ImportedSet | null = null;
/** The paused run's set, captured once per pause (evaluation and exports read the same one). */
let pausedSource: SetSource | null = null;
/** The imported file the current run started from, if it did. */
let currentStartedFrom: { file: string; sha256: string } | undefined;
let evalCancelled = false;
let evaluating = false;
/** Settles if the webgpu device is lost (null on other backends). */
let deviceLoss: Promise<DeviceLoss> | null = null;
/** The page's fault tests may simulate faults only in a worker it started for them (see engine.ts). */
const TEST_HOOKS = self.name === 'distill-engine-test';

/** A method's work before the first iteration of the last run that had any (MTT's experts), kept while the page is open (one entry: they can be large). */
let kept: { key: string; value: Cached } | null = null;
const methodCache: MethodCache = {
  get: (key) => (kept?.key === key ? kept.value : undefined),
  set: (key, value) => {
    if (kept && kept.key !== key) kept.value.dispose();
    kept = { key, value };
  },
};

/** The device memory Chromium reports (GiB, capped at 8), for the backend's memory budget. */
const deviceGiB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;

/** Every event carrying images transfers their buffers instead of copying them. */
/**
 * How often a run sends its state to the page to be saved (and at each pause and at the end). The fault tests
 * (`#test-hooks`) wait for a saved checkpoint before they break the worker: every second there.
 */
const CHECKPOINT_MS = TEST_HOOKS ? 1000 : 5000;

function transferable(e: RunEvent): RunEvent {
  if (e.type === 'images') {
    const buffers = [e.grid.rgba.buffer, e.change?.grid.rgba.buffer, e.decodedTiles?.rgba.buffer].filter((b): b is ArrayBuffer => b !== undefined);
    return Comlink.transfer(e, buffers);
  }
  if (e.type === 'started') return Comlink.transfer(e, [e.initial.rgba.buffer]);
  if (e.type === 'selection') {
    const buffers = [e.view.importance?.grid.rgba.buffer, e.view.dream?.grid.rgba.buffer].filter((b): b is ArrayBuffer => b !== undefined);
    return Comlink.transfer(e, buffers);
  }
  return e;
}

/** The teaching lab's run: whether one is going, and whether the page asked it to stop. */
const lab = { running: false, stop: false };

/**
 * The page starts the backend while the dataset downloads and decodes (neither needs the other). Auto's probe
 * times steps on this thread, so a decode must not run inside it: the probe and the decode take turns.
 */
let turn: Promise<unknown> = Promise.resolve();
function inTurn<T>(fn: () => T | Promise<T>): Promise<T> {
  const run = turn.then(fn);
  turn = run.catch(() => undefined);
  return run;
}

const api: EngineApi = {
  async initBackend(preference: BackendPreference, onDeviceLost?: (loss: DeviceLoss) => void, avoid: BackendName[] = [], options: BackendOptions = {}) {
    if (control) throw new Error('Stop the run before changing the backend.');
    const probe =
      preference === 'auto' && options.probe
        ? {
            shape: options.probe,
            device: await adapterDescription(),
            cores: navigator.hardwareConcurrency,
            ...(options.cached ? { cached: options.cached } : {}),
            ...(options.remeasure ? { remeasure: true } : {}),
          }
        : undefined;
    const select = () => selectBackend(preference, prepareBrowserBackend, deviceGiB, avoid, probe);
    const report = willProbe(preference, probe, avoid) ? await inTurn(select) : await select();
    backend = report;
    deviceLoss =
      watchDeviceLoss((info) => {
        // Nothing more can run on this device: the page replaces this worker (and ignores what it sends after).
        onDeviceLost?.({ backend: report.backend, ...info });
      })?.then((info) => ({ backend: report.backend, ...info })) ?? null;
    return report;
  },

  ping() {
    return true;
  },

  testFault(fault: TestFault) {
    if (!TEST_HOOKS) throw new Error('Simulated faults are for the fault tests only.');
    switch (fault) {
      case 'throw':
        // Uncaught, outside any call: the page sees the worker's 'error' event.
        setTimeout(() => {
          throw new Error('Simulated crash (fault test)');
        }, 0);
        return;
      case 'lose-device':
        destroyDevice();
        return;
      case 'nan':
        if (!current) throw new Error('No run is in progress.');
        current.injectNonFinite();
        return;
    }
  },

  async loadDataset(id: RunDatasetId, onProgress: (p: LoadProgress) => void) {
    let entry = datasets.get(id);
    if (!entry && id === 'custom') throw new Error('No uploaded dataset in this page: drop your files on the Dataset card (a link cannot carry them).');
    if (!entry) {
      const spec = getDataset(id as DatasetId);
      const { manifest, files, report, stored } = await fetchDatasetFiles(id as DatasetId, onProgress);
      onProgress({ phase: 'parse', file: manifest.variant, loaded: 0, total: 0 });
      const loaded = await inTurn(() => decodeDataset(spec, manifest.variant, files, decodeProgress(onProgress)));
      // The cache writes went on while the files were decoded.
      await stored;
      const source = report.downloaded === 0 ? 'cache' : report.fromCache === 0 ? 'download' : 'mixed';
      const notes = [
        report.corruptCached.length ? `${report.corruptCached.join(', ')} failed the checksum in this browser's cache and ${report.corruptCached.length > 1 ? 'were' : 'was'} downloaded again.` : '',
        report.notCached ?? '',
      ].filter(Boolean);
      entry = { loaded, real: prepareRealData(loaded.train, spec), storage: { source, ...(notes.length ? { note: notes.join(' ') } : {}) } };
      datasets.set(id, entry);
    }
    onProgress({ phase: 'ready', file: '', loaded: 1, total: 1 });
    const summary = summariseDataset(entry);
    return Comlink.transfer(summary, [summary.sample.rgba.buffer]);
  },

  async loadOwnDataset(files: { path: string; bytes: Uint8Array }[], onProgress: (p: LoadProgress) => void) {
    if (control) throw new Error('Stop the run before uploading a dataset.');
    const total = files.reduce((n, f) => n + f.bytes.length, 0);
    if (total > MAX_DATASET_BYTES) {
      const first = files.length === 1 ? files[0]!.path : `${files.length} files`;
      throw new DatasetFormatError(first, `${total} bytes in all; at most ${MAX_DATASET_BYTES} are accepted`);
    }
    onProgress({ phase: 'parse', file: files[0]?.path ?? '', loaded: 0, total: 0 });
    // Decoded in full before anything is replaced: on an error the loaded datasets stay as they were.
    const loaded = decodeOwnFiles(files, { onProgress: decodeProgress(onProgress) });
    const sha256 = await datasetSha256(loaded);
    const entry: DatasetEntry = {
      loaded,
      real: prepareRealData(loaded.train, loaded.spec),
      storage: { source: 'upload' },
      upload: { sha256, format: loaded.format, notes: loaded.notes, files: files.length },
    };
    datasets.set('custom', entry);
    onProgress({ phase: 'ready', file: '', loaded: 1, total: 1 });
    const summary = summariseDataset(entry);
    return Comlink.transfer(summary, [summary.sample.rgba.buffer]);
  },

  async start(requested: RunConfig, onEvent: (e: RunEvent) => void, options: StartOptions = {}) {
    if (lab.running) throw new Error('Stop the teaching lab before starting a run.');
    // A run on the uploaded dataset always names it by its fingerprint (the record says which data it used).
    const upload = requested.dataset === 'custom' ? datasets.get('custom')?.upload : undefined;
    const config = upload && !requested.datasetSha256 ? { ...requested, datasetSha256: upload.sha256 } : requested;
    const { resume, fromImport, evaluate: schedule, step } = options;
    /** The last state sent to be saved: what a diverged run keeps. */
    let lastGood: RunCheckpoint | null = resume ?? null;
    const emit = (e: RunEvent) => {
      if (e.type === 'checkpoint') lastGood = e.checkpoint;
      void onEvent(transferable(e));
    };
    if (control) throw new Error('A run is already in progress.');
    if (evaluating) throw new Error('An evaluation is running: wait for it, or cancel it, before starting a run.');
    if (!backend) await api.initBackend('auto');
    if (!backend) throw new Error('No backend.');
    const entry = datasets.entryFor(config, 'starting a run');
    const { height, width, channels } = entry.loaded.train;
    const needed = estimateRunBytes(config, [height, width, channels], entry.real.numClasses);
    const refusal = needed === null ? null : memoryRefusal(needed, backend.memoryBudget, backend.backend, config.method);
    if (refusal) {
      emit({ type: 'error', message: refusal });
      return;
    }
    const from = fromImport ? imported : null;
    if (fromImport) {
      if (!from) throw new Error('Import a .npz set before continuing from it.');
      if (from.dataset !== config.dataset || from.ipc !== config.ipc) {
        throw new Error(`The imported set is ${from.dataset} at ${from.ipc} per class; the run asks for ${config.dataset} at ${config.ipc}.`);
      }
    }
    const ctl = new RunControl();
    if (options.paused) ctl.pause();
    if (step) {
      ctl.pause();
      ctl.step();
    }
    control = ctl;
    let run: DistillRun | null = null;
    try {
      // The dataset resident on the device when the backend and its memory allow (shared/memory.ts chooseResidency).
      run = new DistillRun(entry.real, config, { backend: backend.backend, memoryBudget: backend.memoryBudget });
      const residency = run.residency;
      emit({ type: 'preparing', message: residency.reason, fraction: 0 });
      current = run;
      if (resume) run.restore(resume);
      else if (from) run.startFrom(from.pixels);
      const startedFrom = from ? { file: from.file, sha256: from.sha256 } : undefined;
      currentStartedFrom = startedFrom;
      let lastPrep = 0;
      await run.prepare(methodCache, async (message, fraction) => {
        if (ctl.isStopped) throw new Error('Stopped while preparing.');
        const now = performance.now();
        if (now - lastPrep > 200 || fraction === 1) {
          lastPrep = now;
          emit({ type: 'preparing', message, fraction });
        }
        await new Promise((r) => setTimeout(r, 0));
      });
      // After prepare(): the 'kmeans' and 'importance' inits choose the initial images there.
      emit({ type: 'started', config, backend: backend.backend, initial: run.initialGrid(), fromIteration: run.iteration, realBatches: residency });
      const live = run;
      let lastReport: EvalReport | undefined;
      const evaluateAt = schedule && schedule.every >= 1 ? { every: schedule.every, evaluate: async (iteration: number) => {
        lastReport = (await evaluateDuringRun(baselines, datasets.entryFor(live.config, 'evaluating'), live, ctl, schedule, iteration, emit)) ?? lastReport;
      } } : undefined;
      const reason = await drive(run, { control: ctl, emit, checkpointMs: CHECKPOINT_MS, ...(evaluateAt ? { evaluateAt } : {}) });
      const pixels = await run.pixels();
      const syntheticSha256 = await pixelsSha256(pixels);
      const labels = await run.learnedLabels();
      const readouts = await run.readouts();
      latest = { pixels, ...(labels ? { softLabels: labels.values } : {}), sha256: syntheticSha256, config, iteration: run.iteration, backend: backend.backend, realBatches: residency, initial: run.initial, startedFrom, imported: false, ...(readouts ? { readouts } : {}) };
      // The evaluation at the last iteration is this set's: the run record carries it.
      if (lastReport?.iteration === run.iteration) latest.evaluation = lastReport;
      emit({ type: 'done', iteration: run.iteration, reason, syntheticSha256, ...(readouts ? { readouts } : {}) });
    } catch (err) {
      // A failure on a lost device is the loss itself: the page hears of it through onDeviceLost and moves on.
      const lost = deviceLoss && (await Promise.race([deviceLoss, new Promise<null>((r) => setTimeout(() => r(null), 1000))]));
      if (lost) return;
      if (err instanceof DivergedError && run) {
        // Evaluate and the exports get the last good set: the last checkpoint sent, else the run's start.
        const good = lastGood;
        const pixels = good ? good.images.slice() : run.initial.pixels.slice();
        const iteration = good ? good.iteration : 0;
        const softLabels = good?.labels?.values.slice();
        latest = { pixels, ...(softLabels ? { softLabels } : {}), config, iteration, backend: backend.backend, realBatches: run.residency, initial: run.initial, startedFrom: currentStartedFrom, imported: false };
        emit({ type: 'error', kind: 'diverged', lastGood: iteration, message: err.message });
      } else if (ctl.isStopped && run && run.iteration === 0) emit({ type: 'done', iteration: 0, reason: 'stopped' });
      else emit({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    } finally {
      run?.dispose();
      current = null;
      control = null;
      pausedSource = null;
    }
  },

  pause() {
    control?.pause();
  },
  resume() {
    control?.resume();
  },
  step() {
    control?.step();
  },
  stop() {
    control?.stop();
  },

  async evaluate(request: EvalRequest, onProgress: (p: EvalProgress) => void) {
    if (evaluating) throw new Error('An evaluation is already running.');
    const source = await setSource('evaluating');
    const entry = datasets.entryFor(source.config, 'evaluating');
    evaluating = true;
    evalCancelled = false;
    try {
      let last = 0;
      const { results, testImages, cfg } = await evaluateWithBaselines(baselines, entry, source.pixels, source.softLabels, source.config, request, async (p) => {
        if (evalCancelled) throw new Error('Evaluation cancelled.');
        const now = performance.now();
        if (now - last > 200 || p.fraction === 1) {
          last = now;
          onProgress(p);
        }
        // Let a cancel message through between epochs.
        await new Promise((r) => setTimeout(r, 0));
      });
      const report: EvalReport = { request, iteration: source.iteration, ipc: source.config.ipc, width: cfg.width, testImages, results };
      source.evaluation = report;
      return report;
    } finally {
      evaluating = false;
    }
  },

  cancelEvaluation() {
    evalCancelled = true;
  },

  async importFile(bytes: Uint8Array, name: string): Promise<ImportSummary> {
    const got = await readImport(bytes, name);
    if (got.kind === 'record') {
      const r = got.record;
      return {
        kind: 'record',
        file: got.file,
        config: got.config,
        syntheticSha256: r.syntheticSha256,
        backend: r.backend,
        iterations: r.iterations.length,
        createdAt: r.createdAt,
        accuracy: r.accuracy ? { mean: r.accuracy.distilled.mean, std: r.accuracy.distilled.std } : null,
      };
    }
    if (control) throw new Error(`${got.file}: a .npz set; stop the run, or let it finish, before importing it`);
    imported = got;
    latest = { pixels: got.pixels, ...(got.softLabels ? { softLabels: got.softLabels } : {}), config: got.config, iteration: 0, backend: backend?.backend ?? 'none', startedFrom: { file: got.file, sha256: got.sha256 }, imported: true };
    const grid = setGrid(got.pixels, got.config);
    const summary: ImportSummary = { kind: 'set', file: got.file, sha256: got.sha256, dataset: got.dataset, ipc: got.ipc, config: got.config, configNote: got.configNote, grid, ...(got.softLabels ? { softLabels: true } : {}) };
    return Comlink.transfer(summary, [grid.rgba.buffer]);
  },

  async exportSet(kind: ExportKind, context: ExportContext): Promise<ExportFile> {
    const source = await setSource('exporting');
    const { config } = source;
    const spec = datasets.specOf(config.dataset);
    const stem = `${config.dataset}-${config.method}-ipc${config.ipc}-seed${config.seed}-it${source.iteration}${source.imported ? '-imported' : ''}`;
    let file: ExportFile;
    if (kind === 'npz') {
      const set = classMajorSet(spec, source.pixels, config.ipc, { app: context.app, method: config.method, config }, source.softLabels);
      // Multi-formation: the file carries the factor and the decoded training set beside the stored images.
      const factor = runFactor(config);
      const bytes = encodeNpz(factor > 1 ? { ...set, multiFormation: { factor, decoded: decodePixels(source.pixels, spec.shape, factor) } } : set);
      file = { name: `${stem}.npz`, mime: 'application/octet-stream', bytes };
    } else if (kind === 'png') {
      file = { name: `${stem}.png`, mime: 'image/png', bytes: encodePng(setGrid(source.pixels, config), 4) };
    } else {
      if (source.imported) throw new Error('An imported set has no run to record: continue distilling from it, then export the run record.');
      const entry = datasets.entryFor(config, 'exporting its run record');
      source.sha256 ??= await pixelsSha256(source.pixels);
      const ev = source.evaluation;
      const record = buildRunRecord({
        app: context.app,
        config,
        dataset: datasetOf({ ...entry.loaded, ...(entry.upload ? { sha256: entry.upload.sha256 } : {}) }),
        initial: source.initial ?? { chosen: [] },
        ...(source.startedFrom ? { startedFrom: source.startedFrom } : {}),
        backend: source.backend,
        // The detail (SIMD and threads, the adapter) of the backend that made this set, when it still runs.
        ...(backend?.backend === source.backend && backend.detail ? { backendDetail: backend.detail } : {}),
        ...(source.realBatches ? { realBatches: source.realBatches } : {}),
        iterations: context.lossPoints.filter((p) => p.iteration <= source.iteration),
        syntheticSha256: source.sha256,
        evaluation: ev
          ? { epochs: ev.request.epochs, models: ev.request.models, width: ev.width, architecture: ev.request.architecture ?? 'convnet', testImages: ev.testImages, ...(ev.request.dsa ? { dsa: true } : {}), ...(ev.request.labels === 'soft' ? { labels: 'soft' as const } : {}) }
          : null,
        accuracy: ev ? ev.results : null,
        ...(source.readouts ? { readouts: source.readouts } : {}),
      });
      file = { name: `${stem}.json`, mime: 'application/json', bytes: new TextEncoder().encode(JSON.stringify(record, null, 2)) };
    }
    return Comlink.transfer(file, [file.bytes.buffer]);
  },

  async benchmark(dataset: RunDatasetId, cases: BenchCase[]) {
    if (control) throw new Error('Stop the run before measuring.');
    const entry = datasets.get(dataset);
    if (!entry) throw new Error(`Load ${dataset} before measuring.`);
    const results: BenchCaseResult[] = [];
    for (const c of cases) results.push(await benchCase(entry.real, c, dataset));
    return results;
  },
  async runLab(requested: LabConfig, onEvent: (e: LabEvent) => void) {
    if (control) throw new Error('Stop the distillation run before starting the lab.');
    if (lab.running) throw new Error('The lab is already running.');
    const parsed = labConfigSchema.safeParse(requested);
    if (!parsed.success) throw new Error(`Lab settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    lab.running = true;
    lab.stop = false;
    try {
      if (!backend) await api.initBackend('auto');
      return await runMultiIndexLab(parsed.data, { onEvent, shouldStop: () => lab.stop });
    } finally {
      lab.running = false;
    }
  },
  cancelLab() {
    lab.stop = true;
  },
};

/** Evaluation settings of a set of `config`'s shape (the network the run distils with, its seed). */
/** A class-major synthetic set as an RGBA grid, one row per class (de-normalised with its dataset's mean/std). */
function setGrid(pixels: Float32Array, config: RunConfig) {
  const spec = datasets.specOf(config.dataset);
  return imagesToGrid(pixels, spec.shape, spec.classes.length, config.ipc, spec);
}

/** The set that evaluation and exports work on: the paused run's, else the latest (finished run or import). */
async function setSource(doing: string): Promise<SetSource> {
  if (current && !control?.isPaused) throw new Error(`Pause or stop the run before ${doing} its images.`);
  if (current) {
    if (!pausedSource || pausedSource.iteration !== current.iteration || pausedSource.config !== current.config) {
      const labels = await current.learnedLabels();
      pausedSource = { pixels: await current.pixels(), ...(labels ? { softLabels: labels.values } : {}), config: current.config, iteration: current.iteration, backend: backend?.backend ?? 'none', realBatches: current.residency, initial: current.initial, startedFrom: currentStartedFrom, imported: false };
    }
    return pausedSource;
  }
  if (!latest) throw new Error(`Run a distillation (or import a set) first: there is nothing to ${doing === 'evaluating' ? 'evaluate' : 'export'} yet.`);
  return latest;
}

Comlink.expose(api);
