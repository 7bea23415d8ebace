/**
 * The engine's Web Worker: owns TensorFlow.js, the loaded datasets and the running distillation, and
 * exposes `EngineApi` to the UI through comlink. Everything that crosses is plain data.
 */
import { sha256Hex } from '../core/data/sha256';
import * as Comlink from 'comlink';
import type {
  BackendPreference,
  BackendReport,
  DatasetSummary,
  EngineApi,
  EvalProgress,
  EvalRequest,
  LoadProgress,
  RunCheckpoint,
  RunConfig,
  RunEvent,
} from '../shared/protocol';
import { EVAL_DEFAULTS } from '../core/eval/evaluate';
import { compareWithBaselines } from '../core/eval/compare';
import type { DatasetId, LoadedDataset } from '../core/data/types';
import { selectBackend } from '../core/backend';
import { getDataset } from '../core/data/registry';
import { decodeDataset } from '../core/data/load';
import { prepareRealData, gatherPixels, type RealData } from '../core/data/batches';
import { imagesToGrid } from '../core/render';
import { DistillRun, type ExpertCache } from '../core/run/run';
import { disposeTrajectories, type Trajectories } from '../core/methods/mtt/mtt';
import { estimateRunBytes, memoryRefusal } from '../shared/memory';
import { RunControl, drive } from '../core/run/driver';
import { fetchDatasetFiles } from './fetch-dataset';
import { prepareBrowserBackend } from './backends';

const datasets = new Map<DatasetId, { loaded: LoadedDataset; real: RealData }>();
let backend: BackendReport | null = null;
let control: RunControl | null = null;
/** The run in progress (or paused), and the synthetic set of the last finished one, for evaluation. */
let current: DistillRun | null = null;
let latest: { pixels: Float32Array; config: RunConfig; iteration: number } | null = null;
let evalCancelled = false;
let evaluating = false;

/** MTT's experts of the last MTT run, kept while the page is open (one set: they can be large). */
let experts: Trajectories | null = null;
const expertCache: ExpertCache = {
  get: (key) => (experts?.key === key ? experts : undefined),
  set: (key, t) => {
    if (experts && experts.key !== key) disposeTrajectories(experts);
    experts = t;
  },
};

/** The device memory Chromium reports (GiB, capped at 8), for the backend's memory budget. */
const deviceGiB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;

/** Every event carrying images transfers their buffers instead of copying them. */
/** How often a run sends its state to the page to be saved (and at each pause and at the end). */
const CHECKPOINT_MS = 5000;

function transferable(e: RunEvent): RunEvent {
  if (e.type === 'images') return Comlink.transfer(e, [e.grid.rgba.buffer]);
  if (e.type === 'started') return Comlink.transfer(e, [e.initial.rgba.buffer]);
  if (e.type === 'selection') {
    const buffers = [e.view.importance?.grid.rgba.buffer, e.view.dream?.grid.rgba.buffer].filter((b): b is ArrayBuffer => b !== undefined);
    return Comlink.transfer(e, buffers);
  }
  return e;
}

function summarise(d: LoadedDataset, real: RealData): DatasetSummary {
  const perClass = 8;
  const picks: number[] = [];
  for (const idx of real.byClass) for (let k = 0; k < perClass; k++) picks.push(idx[k] ?? idx[0] ?? 0);
  const { height, width, channels } = d.train;
  const sample = imagesToGrid(gatherPixels(real, picks), [height, width, channels], real.numClasses, perClass, real);
  return {
    id: d.spec.id,
    name: d.spec.name,
    classes: [...d.spec.classes],
    shape: [height, width, channels],
    trainCount: d.train.count,
    testCount: d.test.count,
    classCounts: real.byClass.map((a) => a.length),
    heldOutNote: d.heldOutNote,
    sample,
  };
}

const api: EngineApi = {
  async initBackend(preference: BackendPreference) {
    if (control) throw new Error('Stop the run before changing the backend.');
    backend = await selectBackend(preference, prepareBrowserBackend, deviceGiB);
    return backend;
  },

  async loadDataset(id: DatasetId, onProgress: (p: LoadProgress) => void) {
    let entry = datasets.get(id);
    if (!entry) {
      const spec = getDataset(id);
      const { manifest, files } = await fetchDatasetFiles(id, onProgress);
      onProgress({ phase: 'parse', file: manifest.variant, loaded: 0, total: 0 });
      const loaded = decodeDataset(spec, manifest.variant, files);
      entry = { loaded, real: prepareRealData(loaded.train, spec) };
      datasets.set(id, entry);
    }
    onProgress({ phase: 'ready', file: '', loaded: 1, total: 1 });
    const summary = summarise(entry.loaded, entry.real);
    return Comlink.transfer(summary, [summary.sample.rgba.buffer]);
  },

  async start(config: RunConfig, onEvent: (e: RunEvent) => void, resume?: RunCheckpoint) {
    const emit = (e: RunEvent) => void onEvent(transferable(e));
    if (control) throw new Error('A run is already in progress.');
    if (evaluating) throw new Error('An evaluation is running: wait for it, or cancel it, before starting a run.');
    if (!backend) backend = await selectBackend('auto', prepareBrowserBackend, deviceGiB);
    const entry = datasets.get(config.dataset);
    if (!entry) throw new Error(`Load ${config.dataset} before starting a run.`);
    const { height, width, channels } = entry.loaded.train;
    const needed = estimateRunBytes(config, [height, width, channels], entry.real.numClasses);
    const refusal = needed === null ? null : memoryRefusal(needed, backend.memoryBudget, backend.backend);
    if (refusal) {
      emit({ type: 'error', message: refusal });
      return;
    }
    const ctl = new RunControl();
    control = ctl;
    let run: DistillRun | null = null;
    try {
      run = new DistillRun(entry.real, config);
      current = run;
      if (resume) run.restore(resume);
      let lastPrep = 0;
      await run.prepare(expertCache, async (message, fraction) => {
        if (ctl.isStopped) throw new Error('Stopped while preparing.');
        const now = performance.now();
        if (now - lastPrep > 200 || fraction === 1) {
          lastPrep = now;
          emit({ type: 'preparing', message, fraction });
        }
        await new Promise((r) => setTimeout(r, 0));
      });
      // After prepare(): the 'kmeans' and 'importance' inits choose the initial images there.
      emit({ type: 'started', config, backend: backend.backend, initial: run.initialGrid() });
      const reason = await drive(run, { control: ctl, emit, checkpointMs: CHECKPOINT_MS });
      const pixels = await run.pixels();
      latest = { pixels, config, iteration: run.iteration };
      const syntheticSha256 = await sha256Hex(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
      emit({ type: 'done', iteration: run.iteration, reason, syntheticSha256 });
    } catch (err) {
      if (ctl.isStopped && run && run.iteration === 0) emit({ type: 'done', iteration: 0, reason: 'stopped' });
      else emit({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    } finally {
      run?.dispose();
      current = null;
      control = null;
    }
  },

  pause() {
    control?.pause();
  },
  resume() {
    control?.resume();
  },
  stop() {
    control?.stop();
  },

  async evaluate(request: EvalRequest, onProgress: (p: EvalProgress) => void) {
    if (evaluating) throw new Error('An evaluation is already running.');
    if (current && !control?.isPaused) throw new Error('Pause or stop the run before evaluating.');
    const source = current
      ? { pixels: await current.pixels(), config: current.config, iteration: current.iteration }
      : latest;
    if (!source) throw new Error('Run a distillation first: there is no synthetic set to evaluate yet.');
    const entry = datasets.get(source.config.dataset);
    if (!entry) throw new Error(`Load ${source.config.dataset} before evaluating.`);
    evaluating = true;
    evalCancelled = false;
    try {
      const test = prepareRealData(entry.loaded.test, entry.loaded.spec);
      const cfg = { ...EVAL_DEFAULTS, ...request, width: source.config.width, depth: source.config.depth, seed: source.config.seed };
      let last = 0;
      const { results, testImages } = await compareWithBaselines(source.pixels, source.config.ipc, entry.real, test, cfg, async (p) => {
        if (evalCancelled) throw new Error('Evaluation cancelled.');
        const now = performance.now();
        if (now - last > 200 || p.fraction === 1) {
          last = now;
          onProgress(p);
        }
        // Let a cancel message through between epochs.
        await new Promise((r) => setTimeout(r, 0));
      });
      return { request, iteration: source.iteration, ipc: source.config.ipc, width: cfg.width, testImages, results };
    } finally {
      evaluating = false;
    }
  },

  cancelEvaluation() {
    evalCancelled = true;
  },
};

Comlink.expose(api);
