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
 */
import * as tf from '@tensorflow/tfjs';
import type { Method, MethodContext, MethodImpl } from '../method';
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

class SequentialMethod implements Method {
  readonly ready = true;
  private stage = -1;
  private inner: Method | null = null;
  private stageState: SyntheticState | null = null;
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

  /** Rows of subsets before the active one, and the end of the active one, per class. */
  private bounds(stage: number): { frozen: number; active: number } {
    return { frozen: stage > 0 ? this.ends[stage - 1]! : 0, active: this.ends[stage]! };
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
    this.stageState = { images: tf.variable(images, true), velocity: tf.variable(velocity, false) };
    tf.dispose([images, velocity]);
    this.inner = this.impl.create({ ...this.ctx, config: { ...config, ipc: active }, state: this.stageState });
    this.stage = stage;
  }

  private leave(): void {
    this.inner?.dispose();
    this.inner = null;
    if (this.stageState) tf.dispose([this.stageState.images, this.stageState.velocity]);
    this.stageState = null;
  }

  step(): tf.Scalar {
    const { config, state } = this.ctx;
    const stage = stageAt(this.ctx.iteration(), config.iterations, this.k);
    if (stage !== this.stage) this.enter(stage);
    const loss = this.inner!.step();
    const s = this.stageState!;
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

  async save() {
    return this.inner ? this.inner.save() : {};
  }

  load(): void {
    // The stage set is rebuilt from the restored full set at the next step.
    this.leave();
    this.stage = -1;
  }

  dispose(): void {
    this.leave();
  }
}

/** `impl` made sequential with `k` subsets (k = 1: `impl` itself); only for methods whose descriptor says `sequential` (no work before the first iteration, no state beyond the images). */
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
