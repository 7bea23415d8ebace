/**
 * A distillation method as the engine sees it. `DistillRun` owns what every method shares (the synthetic
 * images and their momentum, the initial set, the real-batch sampler, the random stream, DSA) and hands it to
 * the method in a `MethodContext`; the method owns the rest (networks, experts, learned labels, a step size)
 * and saves it in checkpoints. Its plain-data side (label, settings, limits, samplers, inits, memory estimate)
 * is its descriptor in src/shared/method-info/<id>.ts. Each method registers one `MethodImpl` in ./registry.ts.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RunCheckpoint, RunConfig } from '../../shared/protocol';
import type { MethodDescriptor, MethodId } from '../../shared/methods';
import type { ConvNetParams, ConvNetShape } from '../nn/convnet';
import type { RealData } from '../data/batches';
import type { Rng } from '../rng';
import type { Relabel } from '../eval/evaluate';
import type { DrawAugment, SyntheticState } from './dm/dm';

/** What a run hands its method: the shared state, all seeded from the run's config. */
export interface MethodContext {
  config: RunConfig;
  net: ConvNetShape;
  /** The run's real data (resident on the device or not: the same bytes). */
  data: RealData;
  /** The synthetic images and their momentum (class-major). */
  state: SyntheticState;
  /** The run's random stream: a method draws from it in a fixed order, so a seed gives the same bytes. */
  rng: Rng;
  /** DSA drawing from the run's stream, when the config turns it on. */
  augment: DrawAugment | undefined;
  /** DSA drawing from another stream (e.g. for work before the first iteration that must not touch the run's). */
  dsa(rng: Rng): DrawAugment;
  /** Class c's real batch of n images, through the run's sampler (which counts the draws). */
  pick(c: number, n: number): ArrayLike<number>;
  /** The run's iterations completed so far (the iteration the next step() makes, 0-based). */
  iteration(): number;
  /**
   * A fresh random network from a seed, drawn where the config says (`netDraw`: on the device, or by the seeded
   * generator in JavaScript; src/core/nn/draw.ts). For the networks a method draws while distilling; the caller
   * frees it.
   */
  drawNet(seed: number): ConvNetParams;
}

/** Something a method keeps between runs (e.g. MTT's experts), freed by whoever evicts it. */
export interface Cached {
  dispose(): void;
}

/** Where work before the first iteration outlives a run (the worker keeps the last while the page is open). */
export interface MethodCache {
  get(key: string): Cached | undefined;
  /** The cache owns `value` from now on. */
  set(key: string, value: Cached): void;
}

/** Reports work before the first iteration: what is happening and the fraction done (0..1). May throw to cancel. */
export type PrepareProgress = (message: string, fraction: number) => void | Promise<void>;

/** The checkpoint fields a method owns (RunCheckpoint's beyond the run's own: e.g. `labels`, `mtt`). */
export type MethodState = Omit<Partial<RunCheckpoint>, 'iteration' | 'rng' | 'images' | 'velocity' | 'initial' | 'sampler' | 'refreshedAt'>;

/** Soft labels a method learns ([N, classes] class-major) and their momentum. */
export interface LearnedLabelValues {
  values: Float32Array;
  velocity: Float32Array;
}

/** A method's live state within one run. */
export interface Method {
  /**
   * Work before the first iteration (MTT: training its experts, or taking them from `cache`). Reports progress;
   * `onProgress` may throw to cancel, and nothing leaks then. Absent: nothing to do.
   */
  prepare?(cache: MethodCache | undefined, onProgress: PrepareProgress | undefined): Promise<void>;
  /** Whether step() may run (false until prepare() has done its work). */
  readonly ready: boolean;
  /** One iteration: updates `state` (and the method's own variables); returns its loss, which the caller disposes. */
  step(): tf.Scalar;
  /** The method's own checkpoint fields (empty when it keeps nothing beyond the images). */
  save(): Promise<MethodState>;
  /** Takes the method's fields from a checkpoint, on a fresh run before prepare(); throws when they do not fit. */
  load(state: MethodState): void;
  /** What the UI and the exports show beside the images: learned labels, when the method learns them. */
  learnedLabels?(): Promise<LearnedLabelValues | null>;
  /** Figures the method learns besides the images, by name (e.g. MTT's step size), for status lines. */
  readouts?(): Promise<Record<string, number>>;
  /**
   * A method with a teacher (SRe2L): its target distributions for any batch of images, for the evaluation's
   * relabel protocol (EvalConfig.relabel); valid until dispose(). Null before prepare(). Absent: no teacher.
   */
  relabeler?(): Relabel | null;
  dispose(): void;
}

/** A method's engine: its descriptor and how a run creates its state (in the run's constructor, in this order). */
export interface MethodImpl<Id extends MethodId = MethodId> {
  info: MethodDescriptor<Id>;
  create(ctx: MethodContext): Method;
}

/**
 * The dataset as a cache key for work a method keeps between runs (MTT's experts, SRe2L's teacher, MGDD's
 * generator): an uploaded dataset is known by its fingerprint, so two uploads never share that work.
 */
export function datasetKey(config: Pick<RunConfig, 'dataset' | 'datasetSha256'>): string {
  return config.dataset === 'custom' ? `custom:${config.datasetSha256 ?? ''}` : config.dataset;
}
