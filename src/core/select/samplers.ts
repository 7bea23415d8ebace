/**
 * Real-batch samplers: how each class's real batch is drawn during distillation.
 *   uniform     without replacement, uniformly (the papers' default).
 *   importance  the selective batch sampler of "Dataset Distillation Meets Provable Subset Selection": every
 *               R iterations, each candidate's cross-entropy ℓ under a probe network; the batch is drawn by
 *               π = α·ℓ/Σℓ + (1 − α)/n without replacement.
 *   dream       DREAM representative matching: every `interval` iterations, per class, k-means on the probe
 *               network's `embed` features with as many clusters as the batch size; the batch is the image
 *               nearest each centre.
 * The probe is a fresh ConvNet trained `probeSteps` SGD steps on the current synthetic set: it stands in for
 * "the network currently being trained" (DC trains one between image updates; DM's network is random and
 * untrained, so a probe is what makes losses and features meaningful there). Candidates are a fresh seeded
 * subset of `pool` images per class at each refresh (0 = all), which bounds the cost on a CPU.
 * refresh() is async (it reads results back); pick() is sync, so the methods' steps stay sync.
 */
import * as tf from '@tensorflow/tfjs';
import { classPool, gatherBatch, sampleClass, type RealData } from '../data/batches';
import { disposeConvNet, initConvNet, logits, paramList, type ConvNetParams, type ConvNetShape } from '../nn/convnet';
import { SgdTrainer, paramsFromList } from '../nn/train';
import type { Rng } from '../rng';
import { clusterRepresentatives, kmeans } from './kmeans';
import { sampleByImportance } from './importance';
import { embedAll } from './coresets';
import type { SamplerId, SamplerSettings } from '../../shared/methods';
import type { RunCheckpoint } from '../../shared/protocol';

export type { SamplerId, SamplerSettings };

/** What a refresh needs: the current synthetic set (class-major, `ipc` per class) and the network shape. */
export interface RefreshContext {
  synthetic: tf.Tensor4D;
  ipc: number;
  net: ConvNetShape;
}

export interface RealSampler {
  readonly id: SamplerId;
  /** Whether refresh() should run before the given (0-based) iteration. */
  due(iteration: number): boolean;
  refresh(ctx: RefreshContext): Promise<void>;
  /** Dataset indices of a real batch of class c of (at most) n images. */
  pick(c: number, n: number): Int32Array;
  /** How often each dataset index has been drawn so far. */
  readonly draws: Uint32Array;
  /** Per class, the current DREAM representatives or the importance candidates with their π (drawn from, and shown). */
  readonly view: ClassChoice[] | null;
  /** Everything the sampler will use later (plain data), and its inverse: a resumed run draws what it would have. */
  save(): SamplerSnapshot;
  load(s: SamplerSnapshot): void;
}

/** A refreshing sampler's choice for one class: candidates and their weights (π, or DREAM's cluster sizes). */
export interface ClassChoice {
  candidates: Int32Array;
  weights: Float64Array;
}

/** A sampler's state in a checkpoint. `rng` is its own stream's state (absent for uniform, which shares the run's). */
export type SamplerSnapshot = RunCheckpoint['sampler'];

/** Trains a fresh ConvNet `steps` SGD steps (lr 0.01, momentum 0.9) on the synthetic set. */
function trainProbe(ctx: RefreshContext, steps: number, seed: number): ConvNetParams {
  const trainer = new SgdTrainer(ctx.net, initConvNet(ctx.net, seed), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const n = ctx.synthetic.shape[0];
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: n }, (_, i) => Math.floor(i / ctx.ipc)), 'int32'), ctx.net.classes) as tf.Tensor2D);
  for (let s = 0; s < steps; s++) tf.dispose(trainer.step(ctx.synthetic, y));
  y.dispose();
  // Keep a copy of the parameters; the trainer frees its own and its momentum buffers.
  const params = paramsFromList(trainer.params, paramList(trainer.params).map((p) => tf.clone(p)));
  trainer.dispose();
  return params;
}

/** Per-example cross-entropy of images `idx` (all of class c) under `params`, in batches. */
async function lossesOf(data: RealData, idx: Int32Array, c: number, net: ConvNetShape, params: ConvNetParams, batch = 256): Promise<Float64Array> {
  const out = new Float64Array(idx.length);
  for (let s = 0; s < idx.length; s += batch) {
    const part = idx.subarray(s, Math.min(idx.length, s + batch));
    const l = tf.tidy(() => {
      const z = logits(net, params, gatherBatch(data, part));
      return tf.sub(tf.logSumExp(z, 1), tf.squeeze(tf.slice(z, [0, c], [-1, 1]), [1]));
    });
    out.set(Float64Array.from((await l.data()) as Float32Array), s);
    l.dispose();
  }
  return out;
}

abstract class BaseSampler implements RealSampler {
  abstract readonly id: SamplerId;
  readonly draws: Uint32Array;
  view: ClassChoice[] | null = null;

  constructor(
    protected readonly data: RealData,
    protected readonly settings: SamplerSettings,
    protected readonly rng: Rng,
  ) {
    this.draws = new Uint32Array(data.set.count);
  }

  /** Whether this sampler recomputes its batches (every `interval` iterations). */
  protected readonly refreshes: boolean = false;

  due(iteration: number): boolean {
    return this.refreshes && iteration % Math.max(1, this.settings.interval) === 0;
  }

  /** Recomputes the batches from the current synthetic set (a no-op for uniform). */
  refresh(_ctx: RefreshContext): Promise<void> {
    return Promise.resolve();
  }

  protected abstract choose(c: number, n: number): Int32Array;

  pick(c: number, n: number): Int32Array {
    const idx = this.choose(c, n);
    for (const i of idx) this.draws[i]!++;
    return idx;
  }

  protected candidates(c: number): Int32Array {
    return classPool(this.data, c, this.settings.pool, this.rng);
  }

  /**
   * A refresh: a fresh probe trained on the synthetic set, then per class a fresh pool of candidates and
   * `perClass`'s choice among them, which becomes the view (the state pick() draws from).
   */
  protected async refreshWithProbe(ctx: RefreshContext, perClass: (c: number, cand: Int32Array, probe: ConvNetParams) => Promise<ClassChoice>): Promise<void> {
    const probe = trainProbe(ctx, this.settings.probeSteps, this.rng.nextSeed());
    try {
      const view: ClassChoice[] = [];
      for (let c = 0; c < this.data.numClasses; c++) view.push(await perClass(c, this.candidates(c), probe));
      this.view = view;
    } finally {
      disposeConvNet(probe);
    }
  }

  save(): SamplerSnapshot {
    return { draws: this.draws.slice(), ...(this.refreshes ? { rng: this.rng.state } : {}), view: this.view };
  }

  load(s: SamplerSnapshot): void {
    if (s.draws.length !== this.draws.length) throw new Error(`checkpoint has draw counts for ${s.draws.length} images; the dataset has ${this.draws.length}`);
    this.draws.set(s.draws);
    if (s.rng !== undefined) this.rng.restore(s.rng);
    this.view = s.view;
  }
}

class UniformSampler extends BaseSampler {
  readonly id = 'uniform' as const;
  protected choose(c: number, n: number): Int32Array {
    return sampleClass(this.data, c, n, this.rng);
  }
}

class ImportanceSampler extends BaseSampler {
  readonly id = 'importance' as const;
  protected override readonly refreshes = true;

  /** view[c]: the candidates and their π = α·ℓ/Σℓ + (1 − α)/n. */
  override refresh(ctx: RefreshContext): Promise<void> {
    const { alpha } = this.settings;
    return this.refreshWithProbe(ctx, async (c, cand, probe) => {
      const loss = await lossesOf(this.data, cand, c, ctx.net, probe);
      const total = loss.reduce((a, b) => a + b, 0);
      const n = cand.length;
      return { candidates: cand, weights: Float64Array.from(loss, (l) => (total > 0 ? (alpha * l) / total : alpha / n) + (1 - alpha) / n) };
    });
  }

  protected choose(c: number, n: number): Int32Array {
    const v = this.view?.[c];
    if (!v) return sampleClass(this.data, c, n, this.rng);
    const s = sampleByImportance(v.weights, Math.min(n, v.candidates.length), this.rng);
    return Int32Array.from(s.indices, (p) => v.candidates[p]!);
  }
}

class DreamSampler extends BaseSampler {
  readonly id = 'dream' as const;
  protected override readonly refreshes = true;
  private batch = 0;

  /** Clusters per class = the real batch size; set by the run (it knows the method's batch size). */
  setBatchSize(n: number): void {
    this.batch = n;
  }

  /** view[c]: the image nearest each k-means centre, and the cluster sizes. */
  override refresh(ctx: RefreshContext): Promise<void> {
    return this.refreshWithProbe(ctx, async (_c, cand, probe) => {
      const k = Math.min(this.batch || cand.length, cand.length);
      const f = embedAll(ctx.net, probe, this.data, cand);
      try {
        const r = await kmeans(f, k, this.rng, { iterations: 100, tol: 1e-4, init: 'random' });
        return { candidates: Int32Array.from(clusterRepresentatives(r), (p) => cand[p]!), weights: Float64Array.from(r.sizes) };
      } finally {
        f.dispose();
      }
    });
  }

  protected choose(c: number, n: number): Int32Array {
    const reps = this.view?.[c]?.candidates;
    if (!reps) return sampleClass(this.data, c, n, this.rng);
    return n >= reps.length ? reps : reps.subarray(0, n);
  }
}

/** A sampler of the given kind; `batch` is the method's real images per class per draw (DREAM's clusters). */
export function createSampler(id: SamplerId, data: RealData, settings: SamplerSettings, rng: Rng, batch: number): RealSampler {
  if (id === 'importance') return new ImportanceSampler(data, settings, rng);
  if (id === 'dream') {
    const s = new DreamSampler(data, settings, rng);
    s.setBatchSize(batch);
    return s;
  }
  return new UniformSampler(data, settings, rng);
}
