/**
 * The one typed boundary between the UI (main thread) and the engine (Web Worker).
 * Only plain data crosses it: numbers, strings and typed arrays (transferred, never copied twice).
 * The UI imports these types; it never imports TensorFlow.js.
 */
import type { DatasetId, RunDatasetId } from '../core/data/types';
import type { LabConfig, LabEvent, LabResult } from './lab';
import type { BackendName, BackendOptions, BackendPreference, BackendReport, BenchCase, BenchCaseResult } from './backend-protocol';
import type { RunConfig } from './run-config';
import type { EvalProgress, EvalReport, EvalRequest } from './eval-protocol';

// Backends, Auto's probe and the page benchmark (backend-protocol.ts); a run's configuration (run-config.ts); an
// evaluation's settings, progress and report (eval-protocol.ts).
export * from './backend-protocol';
export * from './run-config';
export * from './eval-protocol';

/** Progress while a dataset is fetched, verified, decompressed and parsed (in the worker). */
export interface LoadProgress {
  /** 'cache': reading (and verifying) a file this browser kept from an earlier download. */
  /** 'decode': images decoded so far (a zip of JPEG/PNG class folders). */
  phase: 'cache' | 'download' | 'verify' | 'decompress' | 'parse' | 'decode' | 'ready';
  file: string;
  /** Bytes (download) or items done so far, and the total (0 when unknown). */
  loaded: number;
  total: number;
}

/** A grid of images as one RGBA bitmap: `rows` x `cols` cells of cellHeight x cellWidth pixels. */
export interface ImageGrid {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  rows: number;
  cols: number;
  cellWidth: number;
  cellHeight: number;
}

/**
 * What distillation changed so far (sent with each image snapshot; src/core/change.ts): the signed difference of
 * each synthetic image from its start, current − initial in the normalised space, as a diverging-colour grid
 * (blue: darker than at the start, white: unchanged, red: brighter; channel mean for colour images), and per class
 * how far its images moved.
 */
export interface ImageChange {
  grid: ImageGrid;
  /** The largest |difference| shown (normalised units): it fills the colour range. 0 when nothing changed. */
  scale: number;
  /** How much the colours amplify the difference against the images' own grey scale: 1 / (scale · std). 0 when scale is 0. */
  gain: number;
  /** Per class, the mean over its images of each image's RMS difference from its start (normalised units). */
  movement: number[];
}

/** What the UI shows about a loaded dataset before any run. */
export interface DatasetSummary {
  id: RunDatasetId;
  name: string;
  classes: string[];
  shape: [number, number, number];
  trainCount: number;
  testCount: number;
  /** Training images per class. */
  classCounts: number[];
  /** Set when there was no test split and part of the training records was held out. */
  heldOutNote?: string;
  /** Which file set was loaded ('idx', 'jpeg-zip', …; an upload's format) and what the page says about it. */
  variant: string;
  variantNote?: string;
  /** A few real training images per class (rows = classes). */
  sample: ImageGrid;
  /**
   * Where the files came from this time: all from this browser's cache, all downloaded, or some of each; `note`
   * says when cached files were corrupt (and downloaded again) or when the files could not be cached.
   */
  storage: { source: 'cache' | 'download' | 'mixed' | 'upload'; note?: string };
  /**
   * An uploaded dataset (id 'custom'): its fingerprint (what a config's datasetSha256 names), what kind of files
   * it came from, how many, and notes to show (files skipped because they are not images, system files ignored).
   */
  upload?: { sha256: string; format: 'idx' | 'cifar-binary' | 'zip' | 'folder'; notes: string[]; files: number };
}

/** One point of the loss curve. */
export interface LossPoint {
  iteration: number;
  loss: number;
  ms: number;
}

/** How many training images were drawn 0, 1, 2, 3–4, … times into real batches so far. */
export interface DrawHistogram {
  bins: { label: string; images: number }[];
  /** Images drawn at least once, of all training images, and the number of draws. */
  drawnOnce: number;
  images: number;
  totalDraws: number;
}

/**
 * Which real images the selection techniques chose, for display (rows = classes). An update carries only the
 * parts that changed; the UI keeps the others.
 */
export interface SelectionView {
  iteration: number;
  /** Importance init: per class, candidates in decreasing π with the drawn ones included and marked. */
  importance?: { grid: ImageGrid; marked: boolean[][]; pi: number[][] };
  /** DREAM: per class, the first representatives of the current batch. */
  dream?: { grid: ImageGrid; refreshedAt: number };
  /** Absent for MTT, which draws no real batches. */
  draws?: DrawHistogram;
}

/**
 * A run's state between two iterations, enough to go on exactly as if it had never stopped (plain data: it
 * travels to the page and into IndexedDB). Written by DistillRun.checkpoint(), read by restore().
 */
export interface RunCheckpoint {
  iteration: number;
  /** The run's random stream (mulberry32 state). */
  rng: number;
  /** The synthetic set and its momentum (NHWC, class-major, normalised space). */
  images: Float32Array;
  velocity: Float32Array;
  /** The first set, and what the init chose (for display after a resume). */
  initial: {
    pixels: Float32Array;
    chosen: Int32Array[];
    importance?: { candidates: Int32Array; pi: Float64Array; drawn: Int32Array; weights: Float64Array }[];
  };
  /** The sampler: draw counts, its own stream (non-uniform ones), its current choice per class. */
  sampler: { draws: Uint32Array; rng?: number; view: { candidates: Int32Array; weights: Float64Array }[] | null };
  /** The sampler's last refresh (-1: none). */
  refreshedAt: number;
  /** MTT's learned step size and its momentum. */
  mtt?: { stepSize: number; stepVelocity: number };
  /** KRR's learned labels ([N, classes], class-major) and their momentum, when the run learns them. */
  labels?: { values: Float32Array; velocity: Float32Array };
  /** SRe2L's Adam second moment of the images (its first moment is `velocity`). */
  sre2l?: { second: Float32Array };
  /**
   * MGDD's generator (its weights flat, in generator.ts order), their Adam moments and step count, and the
   * generator's input (the initial set it adapts on).
   */
  mgdd?: { generator: Float32Array; first: Float32Array; second: Float32Array; steps: number; input: Float32Array };
  /**
   * DM with IDM's pool: its networks, oldest first, each with its weights and SGD momentum (flat, in the ConvNet's
   * parameter order) and its accuracy on the real batches it last trained on (the cross-entropy term's weight).
   */
  dmPool?: { nets: { params: Float32Array; velocity: Float32Array; accuracy: number }[] };
}

/** Events a run streams to the UI. Progress and images are throttled to a few per second. */
export type RunEvent =
  /** `fromIteration`: 0 for a fresh run, the checkpoint's iteration when it resumed one. */
  /** `realBatches`: whether the dataset is resident on the device for this run, its size, and why (issue 15). */
  | { type: 'started'; config: RunConfig; backend: BackendName; initial: ImageGrid; fromIteration: number; realBatches?: { resident: boolean; bytes: number; reason: string } }
  /** Work before the first iteration (MTT's expert training), with its fraction done. */
  | { type: 'preparing'; message: string; fraction: number }
  | {
      type: 'progress';
      /** Loss points since the previous progress event. */
      points: LossPoint[];
      iteration: number;
      numTensors: number;
      numBytes: number;
    }
  | {
      type: 'images';
      iteration: number;
      grid: ImageGrid;
      /** The change from the start (absent from runs recorded before it existed). */
      change?: ImageChange;
      /**
       * HOOK for multi-formation ('factor', not on main yet): the decoded tiles of the current set, when the
       * synthetic set is stored factorised; the page shows them as a third view. Nothing sends it yet.
       */
      decodedTiles?: ImageGrid;
    }
  | { type: 'selection'; view: SelectionView }
  /** The state after `checkpoint.iteration` iterations (every few seconds, at pause and at the end): save it to resume. */
  | { type: 'checkpoint'; checkpoint: RunCheckpoint }
  | { type: 'paused'; iteration: number }
  | { type: 'resumed'; iteration: number }
  /** The run stopped after `iteration` to evaluate its set (StartOptions.evaluate); throttled progress. */
  | { type: 'evaluating'; iteration: number; progress: EvalProgress }
  /** The set after `report.iteration` iterations, evaluated beside the baselines (computed once per settings, reused). */
  | { type: 'evaluation'; report: EvalReport }
  /**
   * The run ended. `syntheticSha256`: sha256 of the final synthetic set's float32 bytes (NHWC, class-major,
   * normalised space), the same fingerprint as the run record's: equal links on one backend give equal values.
   */
  | {
      type: 'done';
      iteration: number;
      reason: 'completed' | 'stopped';
      syntheticSha256?: string;
      /** Figures the method reports about the final set, by name (Method.readouts; e.g. a per-class diversity); absent when none. */
      readouts?: Record<string, number>;
    }
  /**
   * The run failed. `kind` 'diverged': a loss or the set became NaN/Inf (the message names the iteration and what
   * to try); `lastGood` is the iteration of the state the worker kept for Evaluate and the exports (the last
   * checkpoint sent, or the run's start), and no checkpoint with the bad values was sent.
   */
  | { type: 'error'; message: string; kind?: 'diverged'; lastGood?: number };

/** How a run starts: afresh from its init, from a checkpoint of the same config, or from the imported set. */
export interface StartOptions {
  resume?: RunCheckpoint;
  /** Start from the set last imported with importFile() (its dataset and ipc must be the config's). */
  fromImport?: boolean;
  /**
   * Evaluate the set during the run: at its start, every `every` iterations and at its end (shared/eval-schedule.ts),
   * the run waiting for each evaluation. Not part of the config: it changes nothing in the synthetic set.
   */
  evaluate?: EvalSchedule;
  /** Run one iteration, then pause (Step pressed with no run going). */
  step?: boolean;
  /** Start paused: the run prepares, says 'started', then 'paused' before its first iteration. */
  paused?: boolean;
}

/** Evaluation during a run: how often, and under which settings. */
export interface EvalSchedule {
  every: number;
  request: EvalRequest;
}

/** The files a synthetic set is exported as: NumPy set, PNG grid, run record (JSON). */
export type ExportKind = 'npz' | 'png' | 'record';

export interface ExportFile {
  name: string;
  mime: string;
  bytes: Uint8Array;
}

/** What the page needs to build a run record that the worker does not keep: the loss curve and the app. */
export interface ExportContext {
  lossPoints: LossPoint[];
  app: { name: string; version: string };
}

/** An imported file, as the page shows it. */
export type ImportSummary =
  | {
      kind: 'set';
      file: string;
      /** sha256 of the file's bytes. */
      sha256: string;
      dataset: DatasetId;
      ipc: number;
      /** What evaluating or continuing it uses, and where that came from. */
      config: RunConfig;
      configNote: string;
      grid: ImageGrid;
      /** Whether the file carries soft_labels (the Evaluate panel can then train on them). */
      softLabels?: boolean;
    }
  | {
      kind: 'record';
      file: string;
      config: RunConfig;
      /** The recorded run's fingerprint, backend, iterations and accuracy (when it was evaluated). */
      syntheticSha256: string;
      backend: string;
      iterations: number;
      createdAt: string;
      accuracy: { mean: number; std: number } | null;
    };

/** The GPU device under the webgpu backend was lost (driver reset, `device.destroy()`): the worker cannot go on with it. */
export interface DeviceLoss {
  backend: BackendName;
  /** The browser's reason and message (GPUDeviceLostInfo). */
  reason: string;
  message: string;
}

/**
 * Faults the worker simulates for the fault tests; honoured only by a worker started with the page's `#test-hooks`
 * flag. 'throw': an uncaught error; 'lose-device': destroys the webgpu device; 'nan': writes NaN into the running
 * run's synthetic set. (A worker that stops answering is tested by terminating it.)
 */
export type TestFault = 'throw' | 'lose-device' | 'nan';

/** The engine's API as the UI sees it (through comlink). */
export interface EngineApi {
  /**
   * Choose the backend (preference first, then the fallback order, never one in `avoid`) after a smoke test of the
   * ops. `onDeviceLost` hears when the webgpu device is lost later (the page then moves to a fresh worker).
   */
  initBackend(preference: BackendPreference, onDeviceLost?: (loss: DeviceLoss) => void, avoid?: BackendName[], options?: BackendOptions): Promise<BackendReport>;
  /** Answers at once when the worker is free: the page's heartbeat (a worker that stops answering is replaced). */
  ping(): boolean;
  /** Simulates a fault (see TestFault); throws unless the worker was started for tests. */
  testFault(fault: TestFault): void;
  /** Fetch, verify, decompress and parse a dataset from /datasets/<id>/. */
  loadDataset(id: RunDatasetId, onProgress: (p: LoadProgress) => void): Promise<DatasetSummary>;
  /**
   * Decode the user's own files (an IDX pair, CIFAR binary batches, a zip or a folder of class folders; `path` keeps
   * a picked folder's subfolders) into the 'custom' dataset. Rejects with a message naming the file; on a rejection
   * every dataset already loaded (an earlier upload too) stays as it was.
   */
  loadOwnDataset(files: { path: string; bytes: Uint8Array }[], onProgress: (p: LoadProgress) => void): Promise<DatasetSummary>;
  /**
   * Run a distillation (from a checkpoint of a run with this config, or from the imported set, per `options`);
   * resolves when it completes, is stopped, or fails (the failure also arrives as an event).
   */
  start(config: RunConfig, onEvent: (e: RunEvent) => void, options?: StartOptions): Promise<void>;
  pause(): void;
  resume(): void;
  /** While paused: run exactly one iteration (its loss point, images and a checkpoint stream as usual), then stay paused. */
  step(): void;
  stop(): void;
  /**
   * Evaluates the latest synthetic set (of the current or last run) beside random-real, herding and k-center
   * sets of the same IPC. Rejects with 'Evaluation cancelled.' after `cancelEvaluation`.
   */
  evaluate(request: EvalRequest, onProgress: (p: EvalProgress) => void): Promise<EvalReport>;
  cancelEvaluation(): void;
  /**
   * Reads a `.npz` set or a run record the user chose (parsed here, in the worker, with size limits). A set becomes
   * the one Evaluate works on and the one a run can start from; rejects with a message naming the file.
   */
  importFile(bytes: Uint8Array, name: string): Promise<ImportSummary>;
  /** The latest synthetic set (of the current paused run, the last run, or the imported set) as a file. */
  exportSet(kind: ExportKind, context: ExportContext): Promise<ExportFile>;
  /** The page benchmark on the current backend and the loaded `dataset` (refused while a run is active). */
  benchmark(dataset: RunDatasetId, cases: BenchCase[]): Promise<BenchCaseResult[]>;
  /**
   * The multi-index teaching lab (shared/lab.ts, core/lab/multi-index) on the current backend: streams LabEvents
   * (progress throttled) and resolves with the result, holding the points done so far when `cancelLab` stopped it
   * (its last event is then 'lab-done' with reason 'stopped'). Refused while a distillation run is active.
   */
  runLab(config: LabConfig, onEvent: (e: LabEvent) => void): Promise<LabResult>;
  /** Stops the lab run after its current iteration. */
  cancelLab(): void;
}
