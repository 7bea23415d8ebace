/**
 * A distillation run: the synthetic set, the method's state and the iteration counter, stepped one
 * iteration at a time. The same object serves the worker, Node tests, the CLI and the benches; only the
 * driver around it differs. It owns its tensors: call `dispose()`.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunCheckpoint, RunConfig, ImageChange, ImageGrid, SelectionView } from '../../shared/protocol';
import { disposeResident, gatherPixels, makeResident, residentBytes } from '../data/batches';
import { backendMemoryBudget, chooseResidency, estimateRunBytes, type Residency, type ResidentMode } from '../../shared/memory';
import { drawHistogram, importanceStrip } from '../select/view';
import type { RealData } from '../data/batches';
import type { ConvNetShape } from '../nn/convnet';
import { INITIALISERS, type InitialSet } from '../init';
import { initImportance, initKmeans, SELECT_INIT_DEFAULTS } from '../init/select';
import { createSampler, type RealSampler } from '../select/samplers';
import { samplerSettings } from '../../shared/methods';
import { createSyntheticState, disposeSyntheticState, dmStep, type DrawAugment, type SyntheticState } from '../methods/dm/dm';
import { applyDsa, drawDsa, DSA_DEFAULT_STRATEGY } from '../augment/dsa';
import { DcMethod, DC_DEFAULTS } from '../methods/dc/dc';
import { createLearnedLabels, disposeLearnedLabels, krrStep, KRR_DEFAULTS, type LearnedLabels } from '../methods/krr/krr';
import { disposeTrajectories, expertKey, MttMethod, MTT_DEFAULTS, trainExperts, type MttConfig, type Trajectories } from '../methods/mtt/mtt';
import { mttSettings } from '../../shared/methods';
import { blankCell, imagesToGrid, markCell } from '../render';
import { changeFromStart } from '../change';
import { Rng } from '../rng';
import { decodePixels, initTiles, tilePixels } from '../methods/idc/multiformation';

/**
 * Where trained experts outlive a run (the worker keeps the last ones while the page is open). Trajectories
 * handed to `set` belong to the cache, which disposes what it evicts.
 */
export interface ExpertCache {
  get(key: string): Trajectories | undefined;
  set(key: string, t: Trajectories): void;
}

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

/** Reports work before the first iteration: what is happening and the fraction done (0..1). May throw to cancel. */
export type PrepareProgress = (message: string, fraction: number) => void | Promise<void>;

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
  private stepFn: (() => tf.Scalar) | null = null;
  /** DC's method object (it may keep IDC's real-data network between iterations: disposed with the run). */
  dc: DcMethod | null = null;
  private readonly augment: DrawAugment | undefined;
  private mtt: { method: MttMethod; owned: Trajectories | null } | null = null;
  private readonly shape: readonly [number, number, number];
  /** Whether the real data is resident on the device for this run, its size, and why (status text, records). */
  readonly residency: Residency;
  /** Iterations completed so far. */
  iteration = 0;
  /** KRR's learned labels, when the config learns them. */
  private labels: LearnedLabels | null = null;
  /** MTT's step size from a checkpoint, applied once prepare() has built the method. */
  private pendingMtt: RunCheckpoint['mtt'] | null = null;

  constructor(source: RealData, config: RunConfig, engine: EngineOptions = {}) {
    this.config = config;
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
    const factor = config.method === 'mtt' ? 1 : (config.factor ?? 1);
    // IDC's init: with multi-formation the 'real' init fills each stored image's f² tiles with downscaled real images.
    this.initial = sync
      ? init === 'real' && factor > 1
        ? initTiles(data, config.ipc, factor, this.initRng)
        : INITIALISERS[init](data, config.ipc, this.initRng)
      : { pixels: new Float32Array(n * this.shape[0] * this.shape[1] * this.shape[2]), chosen: [] };
    this.initialised = sync;
    this.state = createSyntheticState(this.initial.pixels, n, this.shape);
    const augment = config.dsa ? this.dsa() : undefined;
    this.augment = augment;
    // MTT draws no real batches during distillation (its experts see the real data): no sampler.
    const samplerId = config.method === 'mtt' ? 'uniform' : (config.sampler ?? 'uniform');
    // Uniform draws from the run's own stream (as the methods do by default); the others from a fork.
    const samplerRng = samplerId === 'uniform' ? this.rng : this.rng.fork();
    const sampler = createSampler(samplerId, data, samplerSettings(config), samplerRng, config.realPerClass);
    this.sampler = sampler;
    const pick = (c: number, n: number) => sampler.pick(c, n);
    switch (config.method) {
      case 'dm': {
        const n = config.realPerClass;
        this.stepFn = () => dmStep(this.net, this.data, this.state, this.config, this.rng, pick && ((c) => pick(c, n)), augment);
        break;
      }
      case 'dc': {
        const dc = new DcMethod(this.net, data, this.state, { ...DC_DEFAULTS, ...config, netTraining: config.dcNet ?? 'synthetic' }, this.rng, augment, pick);
        this.dc = dc;
        this.stepFn = () => dc.step();
        break;
      }
      case 'krr': {
        const cfg = { ...KRR_DEFAULTS, ...config };
        if (config.learnLabels) this.labels = createLearnedLabels(data.numClasses, config.ipc);
        this.stepFn = () => krrStep(this.net, this.data, this.state, cfg, this.rng, augment, pick, this.labels ?? undefined);
        break;
      }
      case 'mtt':
        // The experts are trained in prepare().
        break;
    }
  }

  /** MTT's full configuration for this run. */
  mttConfig(): MttConfig {
    return { ...MTT_DEFAULTS, ...mttSettings(this.config), ipc: this.config.ipc, lrImages: this.config.lrImages, momentum: this.config.momentum };
  }

  /**
   * Work before the first iteration: for MTT, training the expert trajectories (or taking them from
   * `cache`). A no-op for the other methods. `onProgress` may throw to cancel; nothing leaks then.
   */
  async prepare(cache?: ExpertCache, onProgress?: PrepareProgress): Promise<void> {
    if (!this.initialised) {
      const { config } = this;
      const opts = {
        ...SELECT_INIT_DEFAULTS,
        features: config.initFeatures ?? SELECT_INIT_DEFAULTS.features,
        pool: config.initPool ?? SELECT_INIT_DEFAULTS.pool,
        kernel: config.method === 'krr',
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
    if (this.config.method !== 'mtt' || this.stepFn) return;
    const cfg = this.mttConfig();
    // An uploaded dataset is known by its fingerprint: two uploads never share experts.
    const data = this.config.dataset === 'custom' ? `custom:${this.config.datasetSha256 ?? ''}` : this.config.dataset;
    const key = expertKey(data, this.net, cfg, this.config.seed, this.config.dsa);
    let trajectories = cache?.get(key);
    if (!trajectories) {
      // Experts have their own random stream, so cached and fresh experts leave the run's stream alike.
      const expertRng = new Rng(this.config.seed ^ 0x5eed);
      const epochs = cfg.maxStartEpoch + cfg.expertEpochs;
      // Their DSA draws from the experts' stream too (not the run's).
      const expertAugment = this.config.dsa ? this.dsa(expertRng) : undefined;
      trajectories = await trainExperts(this.net, this.data, cfg, expertRng, key, expertAugment, (p) =>
        onProgress?.(`training expert ${p.expert + 1} of ${p.experts}: epoch ${p.epoch} of ${p.epochs}`, (p.expert * epochs + p.epoch) / (p.experts * epochs)),
      );
      cache?.set(key, trajectories);
    }
    const method = new MttMethod(this.net, trajectories, this.state, cfg, this.rng, this.augment);
    if (this.pendingMtt) method.load(this.pendingMtt);
    this.pendingMtt = null;
    this.mtt = { method, owned: cache ? null : trajectories };
    this.stepFn = () => method.step();
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
    if (!this.stepFn || !this.initialised) throw new Error('Call prepare() before stepping this run.');
    const loss = this.stepFn();
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
      ...(this.mtt ? { mtt: await this.mtt.method.save() } : {}),
      ...(this.labels ? { labels: (await this.learnedLabels())! } : {}),
    };
  }

  /** KRR's learned labels now ([N, classes] class-major) and their momentum; null when the run does not learn them. */
  async learnedLabels(): Promise<{ values: Float32Array; velocity: Float32Array } | null> {
    if (!this.labels) return null;
    const [values, velocity] = await Promise.all([this.labels.values.data(), this.labels.velocity.data()]);
    return { values: values as Float32Array, velocity: velocity as Float32Array };
  }

  /**
   * Continue from a checkpoint of a run with the same config and data: call on a fresh run, before prepare()
   * (which then chooses no initial images, and for MTT takes the experts from the cache or retrains the same
   * ones from the seed).
   */
  restore(cp: RunCheckpoint): void {
    if (this.iteration !== 0 || this.mtt) throw new Error('restore() needs a fresh run.');
    const size = this.state.images.size;
    if (cp.images.length !== size || cp.velocity.length !== size) {
      throw new Error(`The checkpoint holds ${cp.images.length} synthetic values; this run's set has ${size}.`);
    }
    tf.tidy(() => {
      this.state.images.assign(tf.tensor4d(cp.images, this.state.images.shape));
      this.state.velocity.assign(tf.tensor4d(cp.velocity, this.state.velocity.shape));
    });
    if (this.labels) {
      if (!cp.labels || cp.labels.values.length !== this.labels.values.size) throw new Error('The checkpoint holds no learned labels for this run.');
      disposeLearnedLabels(this.labels);
      this.labels = createLearnedLabels(this.data.numClasses, this.config.ipc, cp.labels.values, cp.labels.velocity);
    }
    this.rng.restore(cp.rng);
    this.sampler.load(cp.sampler);
    this.initial = cp.initial;
    this.initialised = true;
    this.refreshedAt = cp.refreshedAt;
    this.iteration = cp.iteration;
    this.pendingMtt = cp.mtt ?? null;
  }

  /**
   * Start from a given set (class-major NHWC pixels in the dataset's normalisation, e.g. an imported `.npz`)
   * instead of the config's init: call on a fresh run, before prepare(). The run's own random stream is left as
   * the init would have left it (inits draw from a fork of it).
   */
  startFrom(pixels: Float32Array): void {
    if (this.iteration !== 0 || this.mtt) throw new Error('startFrom() needs a fresh run.');
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
    return this.config.method === 'mtt' ? 1 : (this.config.factor ?? 1);
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
    if (this.config.method !== 'mtt') view.draws = drawHistogram(this.sampler.draws);
    return view;
  }

  private toGrid(pixels: Float32Array): ImageGrid {
    return imagesToGrid(pixels, this.shape, this.data.numClasses, this.config.ipc, this.data);
  }

  dispose(): void {
    disposeResident(this.data);
    if (this.mtt) {
      this.mtt.method.dispose();
      if (this.mtt.owned) disposeTrajectories(this.mtt.owned);
      this.mtt = null;
    }
    this.dc?.dispose();
    this.dc = null;
    disposeSyntheticState(this.state);
    if (this.labels) disposeLearnedLabels(this.labels);
    this.labels = null;
  }
}
