/**
 * A distillation run: the synthetic set, the method's state and the iteration counter, stepped one
 * iteration at a time. The same object serves the worker, Node tests, the CLI and the benches; only the
 * driver around it differs. It owns its tensors: call `dispose()`. It names no method: the method comes from
 * the registry (src/core/methods/registry.ts) by the config's id, and what differs between methods is in their
 * descriptors (src/shared/method-info/) and engines (src/core/methods/<id>/plugin.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { RunCheckpoint, RunConfig, ImageChange, ImageGrid, SelectionView } from '../../shared/protocol';
import { disposeResident, gatherPixels, makeResident, residentBytes } from '../data/batches';
import { backendMemoryBudget, chooseResidency, estimateRunBytes, type Residency, type ResidentMode } from '../../shared/memory';
import { drawHistogram, importanceStrip } from '../select/view';
import type { RealData } from '../data/batches';
import type { ConvNetShape } from '../nn/convnet';
import type { Relabel } from '../eval/evaluate';
import { INITIALISERS, type InitialSet } from '../init';
import { initImportance, initKmeans, SELECT_INIT_DEFAULTS } from '../init/select';
import { createSampler, type RealSampler } from '../select/samplers';
import { drawsRealBatches, methodInfo, runFactor, runSampler, runSubsets, samplerSettings } from '../../shared/methods';
import { createSyntheticState, disposeSyntheticState, type DrawAugment, type SyntheticState } from '../methods/dm/dm';
import { applyDsa, drawDsa, DSA_DEFAULT_STRATEGY } from '../augment/dsa';
import { methodImpl } from '../methods/registry';
import { sequential } from '../methods/seqmatch/sequential';
import type { LearnedLabelValues, Method, MethodCache, PrepareProgress } from '../methods/method';
import { blankCell, imagesToGrid, markCell } from '../render';
import { changeFromStart } from '../change';
import { Rng } from '../rng';
import { netDrawer, type NetDrawer } from '../nn/draw';
import { decodePixels, initTiles, tilePixels } from '../methods/idc/multiformation';

/**
 * Where a method's work before the first iteration outlives a run (MTT's experts: the worker keeps the last
 * while the page is open). What is handed to `set` belongs to the cache, which disposes what it evicts.
 */
export type { MethodCache, PrepareProgress };
/** The former name of MethodCache (MTT's experts were its only entries). */
export type ExpertCache = MethodCache;

/** A run's state between iterations (see the type in shared/protocol.ts). */
export type { RunCheckpoint };

/**
 * Engine options: how the run uses the device, never what it computes (not part of RunConfig or links).
 * `resident`: where real batches come from (shared/memory.ts ResidentMode; default 'auto'); `backend` and
 * `memoryBudget` default to tf.getBackend() and backendMemoryBudget's figure for it.
 */
export interface EngineOptions {
  resident?: ResidentMode;
  backend?: string;
  memoryBudget?: number;
}

export class DistillRun {
  readonly config: RunConfig;
  readonly net: ConvNetShape;
  /** The first synthetic set (for the 'kmeans' and 'importance' inits, set by prepare()). */
  initial: InitialSet;
  private readonly initRng: Rng;
  /** The real-batch sampler: every real batch is drawn through it, which counts the draws. */
  readonly sampler: RealSampler;
  /** The iteration of the sampler's last refresh (-1: none yet). */
  private refreshedAt = -1;
  /** What selectionUpdate() has already reported. */
  private readonly shown = { importance: false, dreamAt: -1 };
  private initialised: boolean;
  private readonly data: RealData;
  private readonly rng: Rng;
  private readonly state: SyntheticState;
  /** The method's state in this run (from the registry; disposed with the run). */
  readonly method: Method;
  private readonly shape: readonly [number, number, number];
  /** Whether the real data is resident on the device for this run, its size, and why (status text, records). */
  readonly residency: Residency;
  /** Iterations completed so far. */
  iteration = 0;
  /** Where the method's fresh networks come from (`netDraw`); keeps its index vectors on the device. */
  private readonly drawer: NetDrawer;

  constructor(source: RealData, config: RunConfig, engine: EngineOptions = {}) {
    this.config = config;
    // Checked before anything is allocated (it throws when the config asks for more SeqMatch subsets than IPC).
    const subsets = runSubsets(config);
    this.rng = new Rng(config.seed);
    this.shape = [source.set.height, source.set.width, source.set.channels];
    this.net = { input: this.shape, classes: source.numClasses, width: config.width, depth: config.depth };
    const backend = engine.backend ?? tf.getBackend();
    this.residency = chooseResidency(
      engine.resident ?? 'auto',
      backend,
      residentBytes(source.set),
      estimateRunBytes(config, this.shape, source.numClasses),
      engine.memoryBudget ?? backendMemoryBudget(backend, undefined),
    );
    // Everything below (inits, sampler, methods, MTT's experts) sees the same data: resident or not, the same bytes.
    const data = this.residency.resident ? makeResident(source) : source;
    this.data = data;
    this.initRng = this.rng.fork();
    const n = data.numClasses * config.ipc;
    const init = config.init;
    const sync = init === 'real' || init === 'noise';
    const factor = runFactor(config);
    // IDC's init: with multi-formation the 'real' init fills each stored image's f² tiles with downscaled real images.
    this.initial = sync
      ? init === 'real' && factor > 1
        ? initTiles(data, config.ipc, factor, this.initRng)
        : INITIALISERS[init](data, config.ipc, this.initRng)
      : { pixels: new Float32Array(n * this.shape[0] * this.shape[1] * this.shape[2]), chosen: [] };
    this.initialised = sync;
    this.state = createSyntheticState(this.initial.pixels, n, this.shape);
    const augment = config.dsa ? this.dsa() : undefined;
    // A method that draws no real batches during distillation (MTT: its experts see the real data) has a uniform one.
    const samplerId = runSampler(config);
    // Uniform draws from the run's own stream (as the methods do by default); the others from a fork.
    const samplerRng = samplerId === 'uniform' ? this.rng : this.rng.fork();
    const sampler = createSampler(samplerId, data, samplerSettings(config), samplerRng, config.realPerClass);
    this.sampler = sampler;
    const pick = (c: number, n: number) => sampler.pick(c, n);
    // Only a method that draws networks while distilling keeps the device drawer's vectors.
    this.drawer = netDrawer(this.net, methodInfo(config.method).drawsNetworks ? (config.netDraw ?? 'host') : 'host');
    const drawer = this.drawer;
    this.method = sequential(methodImpl(config.method), subsets).create({
      config,
      net: this.net,
      data,
      state: this.state,
      rng: this.rng,
      augment,
      dsa: (rng) => this.dsa(rng),
      pick,
      iteration: () => this.iteration,
      drawNet: (seed) => drawer.draw(seed),
    });
  }

  /**
   * Work before the first iteration: the kmeans and importance inits, then the method's own (MTT: training the
   * expert trajectories, or taking them from `cache`). `onProgress` may throw to cancel; nothing leaks then.
   */
  async prepare(cache?: MethodCache, onProgress?: PrepareProgress): Promise<void> {
    if (!this.initialised) {
      const { config } = this;
      const opts = {
        ...SELECT_INIT_DEFAULTS,
        features: config.initFeatures ?? SELECT_INIT_DEFAULTS.features,
        pool: config.initPool ?? SELECT_INIT_DEFAULTS.pool,
        kernel: methodInfo(config.method).kernelInit ?? false,
        draw: config.initDraw ?? SELECT_INIT_DEFAULTS.draw,
      };
      const what = config.init === 'kmeans' ? 'k-means centres' : 'importance sampling';
      const init = config.init === 'kmeans' ? initKmeans : initImportance;
      // Multi-formation: the initialiser chooses IPC·f² real images per class, one per tile (IDC's init, with
      // the tiles chosen by k-means or importance instead of at random).
      const f = this.factor;
      this.initial = await init(this.data, config.ipc * f * f, this.initRng, this.net, opts, (done, total) =>
        onProgress?.(`choosing the initial images by ${what}: class ${done} of ${total}`, done / total),
      );
      if (f > 1) this.initial = { ...this.initial, pixels: tilePixels(this.data, config.ipc, f, this.initial.chosen) };
      tf.tidy(() => this.state.images.assign(tf.tensor4d(this.initial.pixels, this.state.images.shape)));
      this.initialised = true;
    }
    await this.method.prepare?.(cache, onProgress);
  }

  /** DSA with the reference strategy, drawing from `rng`; no flips for MNIST, whose digits are not mirror-symmetric. */
  private dsa(rng: Rng = this.rng): DrawAugment {
    const [height, width] = this.shape;
    const flip = this.config.dataset !== 'mnist';
    return () => {
      const p = drawDsa(rng, DSA_DEFAULT_STRATEGY, { height, width, flip });
      return (x) => applyDsa(x, p);
    };
  }

  /**
   * Work due before the next iteration: the sampler's refresh (every `interval` iterations). Call before
   * step(); without it a non-uniform sampler keeps its last batches (uniform ones before its first refresh).
   */
  async refresh(): Promise<void> {
    if (this.sampler.due(this.iteration)) {
      await this.sampler.refresh({ synthetic: this.state.images, ipc: this.config.ipc, net: this.net });
      this.refreshedAt = this.iteration;
    }
  }

  /** Runs one iteration; returns its loss as a scalar tensor the caller must dispose (read it lazily). */
  step(): tf.Scalar {
    if (!this.method.ready || !this.initialised) throw new Error('Call prepare() before stepping this run.');
    const loss = this.method.step();
    this.iteration++;
    return loss;
  }

  /** The run's state now (between iterations), to resume from later with `restore()`. */
  async checkpoint(): Promise<RunCheckpoint> {
    if (!this.initialised) throw new Error('Call prepare() before taking a checkpoint.');
    const [images, velocity] = await Promise.all([this.state.images.data(), this.state.velocity.data()]);
    return {
      iteration: this.iteration,
      rng: this.rng.state,
      images: images as Float32Array,
      velocity: velocity as Float32Array,
      initial: this.initial,
      sampler: this.sampler.save(),
      refreshedAt: this.refreshedAt,
      ...(await this.method.save()),
    };
  }

  /** The learned labels now ([N, classes] class-major) and their momentum (KRR's); null when the run learns none. */
  async learnedLabels(): Promise<LearnedLabelValues | null> {
    return (await this.method.learnedLabels?.()) ?? null;
  }

  /** The method's teacher as an evaluation relabeller (EvalConfig.relabel), valid until dispose(); null when it has none. */
  relabeler(): Relabel | null {
    return this.method.relabeler?.() ?? null;
  }

  /** What the method reports about the set now (its readouts, e.g. a per-class diversity); null when nothing. */
  async readouts(): Promise<Record<string, number> | null> {
    const r = (await this.method.readouts?.()) ?? {};
    return Object.keys(r).length > 0 ? r : null;
  }

  /** Whether the method's work before the first iteration is done (a run is then no longer fresh). */
  private get methodPrepared(): boolean {
    return this.method.prepare !== undefined && this.method.ready;
  }

  /**
   * Continue from a checkpoint of a run with the same config and data: call on a fresh run, before prepare()
   * (which then chooses no initial images, and for MTT takes the experts from the cache or retrains the same
   * ones from the seed).
   */
  restore(cp: RunCheckpoint): void {
    if (this.iteration !== 0 || this.methodPrepared) throw new Error('restore() needs a fresh run.');
    const size = this.state.images.size;
    if (cp.images.length !== size || cp.velocity.length !== size) {
      throw new Error(`The checkpoint holds ${cp.images.length} synthetic values; this run's set has ${size}.`);
    }
    tf.tidy(() => {
      this.state.images.assign(tf.tensor4d(cp.images, this.state.images.shape));
      this.state.velocity.assign(tf.tensor4d(cp.velocity, this.state.velocity.shape));
    });
    this.method.load(cp);
    this.rng.restore(cp.rng);
    this.sampler.load(cp.sampler);
    this.initial = cp.initial;
    this.initialised = true;
    this.refreshedAt = cp.refreshedAt;
    this.iteration = cp.iteration;
  }

  /**
   * Start from a given set (class-major NHWC pixels in the dataset's normalisation, e.g. an imported `.npz`)
   * instead of the config's init: call on a fresh run, before prepare(). The run's own random stream is left as
   * the init would have left it (inits draw from a fork of it).
   */
  startFrom(pixels: Float32Array): void {
    if (this.iteration !== 0 || this.methodPrepared) throw new Error('startFrom() needs a fresh run.');
    const size = this.state.images.size;
    if (pixels.length !== size) throw new Error(`The set holds ${pixels.length} values; this run's set has ${size}.`);
    const copy = pixels.slice();
    tf.tidy(() => this.state.images.assign(tf.tensor4d(copy, this.state.images.shape)));
    this.initial = { pixels: copy, chosen: [] };
    this.initialised = true;
  }

  /**
   * Fault injection for the divergence tests: the first synthetic pixel becomes NaN, as after an exploding
   * update, so the next loss is NaN. Never called by a normal run.
   */
  injectNonFinite(): void {
    tf.tidy(() => {
      const flat = this.state.images.reshape([-1]);
      const poisoned = tf.concat([tf.fill([1], NaN), flat.slice(1)]).reshape(this.state.images.shape);
      this.state.images.assign(poisoned as tf.Tensor4D);
    });
  }

  /** The current synthetic pixels (NHWC, class-major, normalised). */
  async pixels(): Promise<Float32Array> {
    return (await this.state.images.data()) as Float32Array;
  }

  /** The multi-formation factor this run uses (1: off). */
  get factor(): number {
    return runFactor(this.config);
  }

  /** The decoded training set of `pixels` (from pixels()): IPC·f² per class, class-major; the pixels themselves when f is 1. */
  decoded(pixels: Float32Array): Float32Array {
    return decodePixels(pixels, this.shape, this.factor);
  }

  /** The synthetic set as an RGBA grid, one row per class. */
  async grid(): Promise<ImageGrid> {
    return this.toGrid(await this.pixels());
  }

  /** Pixels of this run's set (from pixels()) as an RGBA grid, one row per class. */
  gridOf(pixels: Float32Array): ImageGrid {
    return this.toGrid(pixels);
  }

  /**
   * What changed since the start in pixels of this run's set (from pixels(), the snapshot's own readback): the
   * signed difference grid and per class how far the images moved (src/core/change.ts).
   * HOOK for multi-formation ('factor', not on main yet): a factorised set must pass its decoded tiles, now and
   * at the start, so the difference is per decoded image.
   */
  changeOf(pixels: Float32Array): ImageChange {
    return changeFromStart(pixels, this.initial.pixels, this.shape, this.data.numClasses, this.config.ipc, this.data.std);
  }

  /** The initial synthetic set as an RGBA grid. */
  initialGrid(): ImageGrid {
    return this.toGrid(this.initial.pixels);
  }

  /**
   * What changed, since the last call, in which real images the initialiser and the sampler chose: the
   * importance ranking once, DREAM's batch after each refresh (grids of at most `cols` per class), and the
   * draw histogram every time (it is cheap). The grids are built only when they change.
   */
  selectionUpdate(cols = 12): SelectionView {
    const shape = this.shape;
    const rows = this.data.numClasses;
    const gridOf = (indices: number[][]) => {
      const width = Math.max(1, ...indices.map((r) => r.length));
      const flat: number[] = [];
      // Rows shorter than the widest are padded with their last image, then blanked below.
      indices.forEach((r) => {
        for (let k = 0; k < width; k++) flat.push(r[k] ?? r[r.length - 1] ?? 0);
      });
      const grid = imagesToGrid(gatherPixels(this.data, flat), shape, rows, width, this.data);
      indices.forEach((r, row) => {
        for (let k = r.length; k < width; k++) blankCell(grid, row, k);
      });
      return grid;
    };
    const view: SelectionView = { iteration: this.iteration };
    if (this.initial.importance && !this.shown.importance) {
      this.shown.importance = true;
      const strip = importanceStrip(this.initial.importance, cols);
      const grid = gridOf(strip.indices);
      strip.marked.forEach((row, r) => row.forEach((m, k) => m && markCell(grid, r, k)));
      view.importance = { grid, marked: strip.marked, pi: strip.pi };
    }
    const reps = this.sampler.id === 'dream' && this.shown.dreamAt !== this.refreshedAt ? this.sampler.view : null;
    this.shown.dreamAt = this.refreshedAt;
    if (reps) view.dream = { grid: gridOf(reps.map((v) => Array.from(v.candidates.subarray(0, cols)))), refreshedAt: this.refreshedAt };
    if (drawsRealBatches(this.config.method)) view.draws = drawHistogram(this.sampler.draws);
    return view;
  }

  private toGrid(pixels: Float32Array): ImageGrid {
    return imagesToGrid(pixels, this.shape, this.data.numClasses, this.config.ipc, this.data);
  }

  dispose(): void {
    disposeResident(this.data);
    this.method.dispose();
    this.drawer.dispose();
    disposeSyntheticState(this.state);
  }
}

/** One iteration as stepTo reports it: the iteration it ended, its loss, and its wall time (refresh, step, read). */
export interface StepPoint {
  iteration: number;
  loss: number;
  ms: number;
}

/**
 * Steps `run` up to iteration `to` as the page's driver does: the sampler's refresh (DREAM, selective) before
 * every step. With `onStep`, each iteration's loss is read (a wait for the backend) and handed over with its
 * iteration and wall time; an error it throws (say, a non-finite loss) stops the stepping. Without, the losses are
 * disposed unread, so the backend is never waited on. The driver (src/core/run/driver.ts) keeps its own loop for
 * pausing, snapshots and checkpoints; every other caller (CLI, benches, tests) steps through this.
 */
export async function stepTo(run: DistillRun, to: number, onStep?: (p: StepPoint) => void | Promise<void>): Promise<void> {
  while (run.iteration < to) {
    const t0 = performance.now();
    await run.refresh();
    const loss = run.step();
    if (!onStep) {
      loss.dispose();
      continue;
    }
    let value: number;
    try {
      value = (await loss.data())[0]!;
    } finally {
      loss.dispose();
    }
    await onStep({ iteration: run.iteration, loss: value, ms: performance.now() - t0 });
  }
}
