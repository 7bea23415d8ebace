/**
 * SeqMatch, sequential subset matching (Du et al., NeurIPS 2023), as an option on the matching methods: the
 * synthetic set of each class is split into K subsets, optimised one after another; while subset k is optimised
 * the loss sees subsets 1..k (the earlier ones frozen, the later ones not yet part of the set), so later subsets
 * learn what the earlier ones could not. The schedule: the run's iterations split into K equal stages.
 *
 * Method-agnostic, through the Method interface: each stage runs the wrapped method on a stage set (subsets
 * 1..k of every class, class-major, as if IPC were their size); after every step the frozen subsets are put
 * back and the active one is written into the run's full set, which is what the run shows, exports and
 * checkpoints. The stage set is rebuilt from the full set after a restore, so a resumed run gives the same bytes.
 *
 * A method with work before the first iteration (MTT's experts) does it once, in prepare(): every stage's method is
 * made and prepared there, the later ones taking the work from the cache (a stage begins inside step(), which cannot
 * wait). Each stage's method keeps its own state (MTT: a learnable step size starting from its initial value); the
 * checkpoint carries the current stage's.
 */
import * as tf from '@tensorflow/tfjs';
import type { Cached, Method, MethodCache, MethodContext, MethodImpl, MethodState, PrepareProgress } from '../method';
import type { SyntheticState } from '../dm/dm';

/** The end (exclusive) of each subset within a class's IPC images: K nearly equal consecutive blocks. */
export function subsetEnds(ipc: number, k: number): number[] {
  if (!Number.isInteger(k) || k < 1 || k > ipc) throw new Error(`SeqMatch needs 1 to ${ipc} subsets (the images per class); got ${k}.`);
  return Array.from({ length: k }, (_, j) => Math.round(((j + 1) * ipc) / k));
}

/** The stage (0-based subset being optimised) at `iteration` of `iterations`: K equal stages. */
export function stageAt(iteration: number, iterations: number, k: number): number {
  return Math.min(k - 1, Math.floor((iteration * k) / Math.max(1, iterations)));
}

/** Rows [from, to) of each of `classes` class-major blocks of `per` rows, concatenated. */
function rows(x: tf.Tensor4D, classes: number, per: number, from: number, to: number): tf.Tensor4D[] {
  if (to <= from) return [];
  return Array.from({ length: classes }, (_, c) => tf.slice(x, [c * per + from, 0, 0, 0], [to - from, -1, -1, -1]));
}

/** Per class: the parts, each a list of class-major row blocks, interleaved class by class. */
function interleave(classes: number, parts: tf.Tensor4D[][]): tf.Tensor4D {
  const out: tf.Tensor4D[] = [];
  for (let c = 0; c < classes; c++) for (const p of parts) if (p.length) out.push(p[c]!);
  return tf.concat(out, 0);
}

/** A cache for one run when the caller gives none (the CLI): later stages take the first stage's work from it. */
class RunCache implements MethodCache {
  private readonly entries = new Map<string, Cached>();
  get(key: string): Cached | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: Cached): void {
    this.entries.get(key)?.dispose();
    this.entries.set(key, value);
  }
  dispose(): void {
    for (const v of this.entries.values()) v.dispose();
    this.entries.clear();
  }
}

/** One stage's set (subsets 1..k of every class) and the wrapped method on it. */
interface Stage {
  state: SyntheticState;
  inner: Method;
}

class SequentialMethod implements Method {
  private stage = -1;
  private current: Stage | null = null;
  /** Later stages made and prepared in prepare(), by stage (methods with work before the first iteration). */
  private made: (Stage | undefined)[] = [];
  /** A checkpoint's fields for the current stage's method, taken when that method is made. */
  private pending: MethodState | null = null;
  private prepared = false;
  private ownCache: RunCache | null = null;
  private readonly ends: number[];
  private readonly classes: number;

  constructor(
    private readonly impl: MethodImpl,
    private readonly ctx: MethodContext,
    private readonly k: number,
  ) {
    this.ends = subsetEnds(ctx.config.ipc, k);
    this.classes = ctx.data.numClasses;
  }

  get ready(): boolean {
    return this.prepared && (this.current?.inner.ready ?? true);
  }

  /** Rows of subsets before the active one, and the end of the active one, per class. */
  private bounds(stage: number): { frozen: number; active: number } {
    return { frozen: stage > 0 ? this.ends[stage - 1]! : 0, active: this.ends[stage]! };
  }

  /** The wrapped method on a stage set of `stage`'s size (its values set when the stage begins). */
  private make(stage: number, images: tf.Tensor4D, velocity: tf.Tensor4D): Stage {
    const state = { images: tf.variable(images, true), velocity: tf.variable(velocity, false) };
    const inner = this.impl.create({ ...this.ctx, config: { ...this.ctx.config, ipc: this.bounds(stage).active }, state });
    return { state, inner };
  }

  private enter(stage: number): void {
    this.leave();
    const { frozen, active } = this.bounds(stage);
    const { state, config } = this.ctx;
    const ipc = config.ipc;
    const [images, velocity] = tf.tidy(() => [
      interleave(this.classes, [rows(state.images, this.classes, ipc, 0, active)]),
      // The frozen subsets carry no momentum; the active one keeps what the full set holds (after a restore).
      interleave(this.classes, [
        rows(tf.zerosLike(state.velocity), this.classes, ipc, 0, frozen),
        rows(state.velocity, this.classes, ipc, frozen, active),
      ]),
    ]);
    const ready = this.made[stage];
    this.made[stage] = undefined;
    if (ready) {
      ready.state.images.assign(images);
      ready.state.velocity.assign(velocity);
      this.current = ready;
    } else {
      this.current = this.make(stage, images, velocity);
    }
    tf.dispose([images, velocity]);
    if (this.pending && Object.keys(this.pending).length > 0) this.current.inner.load(this.pending);
    this.pending = null;
    this.stage = stage;
  }

  private leave(): void {
    if (this.current) {
      this.current.inner.dispose();
      tf.dispose([this.current.state.images, this.current.state.velocity]);
    }
    this.current = null;
  }

  async prepare(cache: MethodCache | undefined, onProgress: PrepareProgress | undefined): Promise<void> {
    if (this.prepared) return;
    const { config } = this.ctx;
    const stage = stageAt(this.ctx.iteration(), config.iterations, this.k);
    this.enter(stage);
    const first = this.current!.inner;
    if (first.prepare) {
      const shared = cache ?? (this.ownCache = new RunCache());
      await first.prepare(shared, onProgress);
      for (let s = stage + 1; s < this.k; s++) {
        const n = this.classes * this.bounds(s).active;
        const [h, w, c] = this.ctx.state.images.shape.slice(1) as [number, number, number];
        const zeros = tf.zeros([n, h, w, c]) as tf.Tensor4D;
        const later = this.make(s, zeros, zeros);
        zeros.dispose();
        this.made[s] = later;
        await later.inner.prepare!(shared, undefined);
      }
    }
    this.prepared = true;
  }

  step(): tf.Scalar {
    const { config, state } = this.ctx;
    const stage = stageAt(this.ctx.iteration(), config.iterations, this.k);
    if (stage !== this.stage) this.enter(stage);
    const loss = this.current!.inner.step();
    const s = this.current!.state;
    const { frozen, active } = this.bounds(stage);
    const ipc = config.ipc;
    const n = this.classes;
    tf.tidy(() => {
      // The frozen subsets back as they were (their update is discarded), the active one into the full set.
      const stageImages = interleave(n, [rows(state.images, n, ipc, 0, frozen), rows(s.images, n, active, frozen, active)]);
      const stageVelocity = interleave(n, [rows(tf.zerosLike(s.velocity), n, active, 0, frozen), rows(s.velocity, n, active, frozen, active)]);
      s.images.assign(stageImages);
      s.velocity.assign(stageVelocity);
      state.images.assign(interleave(n, [rows(stageImages, n, active, 0, active), rows(state.images, n, ipc, active, ipc)]));
      state.velocity.assign(interleave(n, [rows(state.velocity, n, ipc, 0, frozen), rows(stageVelocity, n, active, frozen, active), rows(state.velocity, n, ipc, active, ipc)]));
    });
    return loss;
  }

  async save(): Promise<MethodState> {
    return this.current ? this.current.inner.save() : {};
  }

  load(state: MethodState): void {
    // The stage set is rebuilt from the restored full set when its stage begins; its method takes these fields.
    this.leave();
    this.stage = -1;
    this.pending = state;
  }

  async readouts(): Promise<Record<string, number>> {
    return (await this.current?.inner.readouts?.()) ?? {};
  }

  dispose(): void {
    this.leave();
    for (const m of this.made) {
      if (!m) continue;
      m.inner.dispose();
      tf.dispose([m.state.images, m.state.velocity]);
    }
    this.made = [];
    this.ownCache?.dispose();
    this.ownCache = null;
  }
}

/** `impl` made sequential with `k` subsets (k = 1: `impl` itself); only for methods whose descriptor says `sequential`. */
export function sequential(impl: MethodImpl, k: number): MethodImpl {
  if (k <= 1) return impl;
  return {
    info: impl.info,
    create: (ctx) => {
      if (!impl.info.sequential) throw new Error(`${impl.info.label} does not take SeqMatch's subsets.`);
      return new SequentialMethod(impl, ctx, k);
    },
  };
}
