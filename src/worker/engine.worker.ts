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
import type { DatasetId, RunDatasetId } from '../core/data/types';
import { datasetSha256, decodeOwnFiles } from '../core/data/own';
import { DatasetFormatError } from '../core/data/errors';
import { MAX_DATASET_BYTES } from '../shared/config';
import { selectBackend, willProbe } from '../core/backend';
import { getDataset } from '../core/data/registry';
import { decodeDataset } from '../core/data/load';
import { prepareRealData } from '../core/data/batches';
import { DistillRun } from '../core/run/run';
import { benchCase } from '../core/run/bench';
import { estimateRunBytes, memoryRefusal } from '../shared/memory';
import { hasTeacher } from '../shared/methods';
import { DivergedError, RunControl, drive } from '../core/run/driver';
import { fetchDatasetFiles } from './fetch-dataset';
import { decodeProgress, LoadedDatasets, summariseDataset, type DatasetEntry } from './datasets';
import { evaluateDuringRun, evaluateWithBaselines } from './evaluation';
import { readImport, type ImportedSet } from '../core/run/imports';
import { adapterDescription, destroyDevice, prepareBrowserBackend, watchDeviceLoss } from './backends';
import { labConfigSchema, type LabConfig, type LabEvent } from '../shared/lab';
import { runMultiIndexLab } from '../core/lab/multi-index/lab';
import { exportFile, lastGoodSetSource, LatestSet, recordSummary, runSetSource, setGrid, type SetSource } from './exports';
import { transferable } from './events';
import { lastEntryCache, prepareRun } from './cache';

/** The loaded datasets; 'custom' is the last one uploaded (an upload replaces it only once it has decoded). */
const datasets = new LoadedDatasets();

/** Baseline accuracies (random real, herding, k-center) by dataset, IPC and evaluation settings. */
const baselines = new BaselineCache();
let backend: BackendReport | null = null;
let control: RunControl | null = null;
/** The run in progress (or paused). */
let current: DistillRun | null = null;

/** The last finished run's set, or the imported set (whichever came last); with a teacher's run, that run. */
const latest = new LatestSet();
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

/** A method's work before the first iteration of the last run that had any (MTT's experts), kept while the page is open. */
const methodCache = lastEntryCache();

/** The device memory Chromium reports (GiB, capped at 8), for the backend's memory budget. */
const deviceGiB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;

/**
 * How often a run sends its state to the page to be saved (and at each pause and at the end). The fault tests
 * (`#test-hooks`) wait for a saved checkpoint before they break the worker: every second there.
 */
const CHECKPOINT_MS = TEST_HOOKS ? 1000 : 5000;

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
    const { resume, fromImport, evaluate: schedule } = options;
    /** The last state sent to be saved: what a diverged run keeps. */
    let lastGood: RunCheckpoint | null = resume ?? null;
    const emit = (e: RunEvent) => {
      if (e.type === 'checkpoint') lastGood = e.checkpoint;
      void onEvent(transferable(e));
    };
    const checked = await checkStart(config, fromImport === true);
    if ('refusal' in checked) {
      emit({ type: 'error', message: checked.refusal });
      return;
    }
    const { entry, from, backend: report } = checked;
    // The last run's teacher is let go: a new run may need the memory.
    latest.releaseTeacher();
    const ctl = new RunControl();
    if (options.paused) ctl.pause();
    if (options.step) {
      ctl.pause();
      ctl.step();
    }
    control = ctl;
    let run: DistillRun | null = null;
    try {
      // The dataset resident on the device when the backend and its memory allow (shared/memory.ts chooseResidency).
      run = new DistillRun(entry.real, config, { backend: report.backend, memoryBudget: report.memoryBudget });
      const residency = run.residency;
      emit({ type: 'preparing', message: residency.reason, fraction: 0 });
      current = run;
      if (resume) run.restore(resume);
      else if (from) run.startFrom(from.pixels);
      currentStartedFrom = from ? { file: from.file, sha256: from.sha256 } : undefined;
      await prepareRun(run, ctl, emit, methodCache);
      // After prepare(): the 'kmeans' and 'importance' inits choose the initial images there.
      emit({ type: 'started', config, backend: report.backend, initial: run.initialGrid(), fromIteration: run.iteration, realBatches: residency });
      const live = run;
      let lastReport: EvalReport | undefined;
      const evaluateAt = schedule && schedule.every >= 1 ? { every: schedule.every, evaluate: async (iteration: number) => {
        lastReport = (await evaluateDuringRun(baselines, datasets.entryFor(live.config, 'evaluating'), live, ctl, schedule, iteration, emit)) ?? lastReport;
      } } : undefined;
      const reason = await drive(run, { control: ctl, emit, checkpointMs: CHECKPOINT_MS, ...(evaluateAt ? { evaluateAt } : {}) });
      const readouts = await run.readouts();
      const set = await runSetSource(run, report.backend, currentStartedFrom, { ...(readouts ? { readouts } : {}) });
      set.sha256 = await pixelsSha256(set.pixels);
      // The evaluation at the last iteration is this set's: the run record carries it.
      if (lastReport?.iteration === run.iteration) set.evaluation = lastReport;
      latest.replace(set, hasTeacher(config) ? run : null);
      emit({ type: 'done', iteration: run.iteration, reason, syntheticSha256: set.sha256, ...(readouts ? { readouts } : {}) });
    } catch (err) {
      // A failure on a lost device is the loss itself: the page hears of it through onDeviceLost and moves on.
      const lost = deviceLoss && (await Promise.race([deviceLoss, new Promise<null>((r) => setTimeout(() => r(null), 1000))]));
      if (lost) return;
      if (err instanceof DivergedError && run) {
        // Evaluate and the exports get the last good set: the last checkpoint sent, else the run's start.
        latest.replace(lastGoodSetSource(run, lastGood, report.backend, currentStartedFrom));
        emit({ type: 'error', kind: 'diverged', lastGood: latest.set!.iteration, message: err.message });
      } else if (ctl.isStopped && run && run.iteration === 0) emit({ type: 'done', iteration: 0, reason: 'stopped' });
      else emit({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    } finally {
      if (run !== latest.teacherRun) run?.dispose();
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
      // The teacher (labels 'teacher'): the paused run's, or the finished run's behind `latest`.
      const teacher = current ?? (source === latest.set ? latest.teacherRun : null);
      const { results, testImages, cfg } = await evaluateWithBaselines(baselines, entry, source.pixels, source.softLabels, source.config, request, async (p) => {
        if (evalCancelled) throw new Error('Evaluation cancelled.');
        const now = performance.now();
        if (now - last > 200 || p.fraction === 1 || p.accuracy !== undefined) {
          last = now;
          onProgress(p);
        }
        // Let a cancel message through between epochs.
        await new Promise((r) => setTimeout(r, 0));
      }, request.labels === 'teacher' ? teacher?.relabeler() : null);
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
    if (got.kind === 'record') return recordSummary(got);
    if (control) throw new Error(`${got.file}: a .npz set; stop the run, or let it finish, before importing it`);
    imported = got;
    latest.replace({ pixels: got.pixels, ...(got.softLabels ? { softLabels: got.softLabels } : {}), config: got.config, iteration: 0, backend: backend?.backend ?? 'none', startedFrom: { file: got.file, sha256: got.sha256 }, imported: true });
    const grid = setGrid(got.pixels, got.config, datasets);
    const summary: ImportSummary = { kind: 'set', file: got.file, sha256: got.sha256, dataset: got.dataset, ipc: got.ipc, config: got.config, configNote: got.configNote, grid, ...(got.softLabels ? { softLabels: true } : {}) };
    return Comlink.transfer(summary, [grid.rgba.buffer]);
  },

  async exportSet(kind: ExportKind, context: ExportContext): Promise<ExportFile> {
    const source = await setSource('exporting');
    const file = await exportFile(kind, context, source, datasets, backend);
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

/**
 * What must hold before a run starts: no other run or evaluation, a backend, the dataset loaded, an imported set
 * that fits the config when the run continues from one; a refusal (sent as the run's error) when it would not fit
 * in memory.
 */
async function checkStart(config: RunConfig, fromImport: boolean): Promise<{ refusal: string } | { entry: DatasetEntry; from: ImportedSet | null; backend: BackendReport }> {
  if (control) throw new Error('A run is already in progress.');
  if (evaluating) throw new Error('An evaluation is running: wait for it, or cancel it, before starting a run.');
  if (!backend) await api.initBackend('auto');
  if (!backend) throw new Error('No backend.');
  const entry = datasets.entryFor(config, 'starting a run');
  const { height, width, channels } = entry.loaded.train;
  const needed = estimateRunBytes(config, [height, width, channels], entry.real.numClasses);
  const refusal = needed === null ? null : memoryRefusal(needed, backend.memoryBudget, backend.backend, config.method);
  if (refusal) return { refusal };
  const from = fromImport ? imported : null;
  if (fromImport) {
    if (!from) throw new Error('Import a .npz set before continuing from it.');
    if (from.dataset !== config.dataset || from.ipc !== config.ipc) {
      throw new Error(`The imported set is ${from.dataset} at ${from.ipc} per class; the run asks for ${config.dataset} at ${config.ipc}.`);
    }
  }
  return { entry, from, backend };
}

/** The set that evaluation and exports work on: the paused run's, else the latest (finished run or import). */
async function setSource(doing: string): Promise<SetSource> {
  if (current && !control?.isPaused) throw new Error(`Pause or stop the run before ${doing} its images.`);
  if (current) {
    if (!pausedSource || pausedSource.iteration !== current.iteration || pausedSource.config !== current.config) {
      pausedSource = await runSetSource(current, backend?.backend ?? 'none', currentStartedFrom);
    }
    return pausedSource;
  }
  if (!latest.set) throw new Error(`Run a distillation (or import a set) first: there is nothing to ${doing === 'evaluating' ? 'evaluate' : 'export'} yet.`);
  return latest.set;
}

Comlink.expose(api);
