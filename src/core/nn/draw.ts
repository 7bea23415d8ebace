/**
 * Fresh random networks for the iteration path: the networks DM, DC, KRR and IDM's pool draw while distilling
 * (one per DM iteration, four per KRR iteration). Where their weights are made is a run setting (`netDraw`):
 *
 * - 'host' (runs and links from before the setting): `initConvNet`, tfjs's seeded generator in JavaScript; every
 *   weight crosses the bus (about 96 KB per network at width 32, 1.2 MB at width 128 on MNIST).
 * - 'device': the weights are made on the device from a table of T = K1 + K2 + K3 random numbers (a few hundred
 *   floats: under 1 KB at width 128), drawn by the run's seeded generator and uploaded once per network:
 *
 *       u_i = frac(t[i mod K1] + t[K1 + i mod K2] + t[K1 + K2 + i mod K3]),   w_i = (2·u_i − 1)·bound_i
 *
 *   over the network's weights laid out flat (i < K1·K2·K3; K1, K2, K3 pairwise coprime, so every weight has its
 *   own triple of table entries). Each u_i is uniform on [0, 1) and any two are independent (two indices differ in
 *   at least one entry, and a uniform added mod 1 makes the sum uniform whatever it is added to), so the weights
 *   have PyTorch's default init's marginals U(−1/√fan_in, 1/√fan_in) and no pairwise correlation. The device's
 *   work is three gathers and a few element-wise ops, each exactly rounded in IEEE float32: cpu and wasm give
 *   the same bytes, GPUs the same values up to their rounding. Norm γ = 1 and β = 0 are filled on the device.
 *
 * The index and bound vectors are uploaded once, when the drawer is made, and kept until `dispose()` (16 bytes a
 * weight: 0.4 MB at width 32, 5 MB at width 128 on MNIST).
 */
import * as tf from '@tensorflow/tfjs';
import { embedSize, initConvNet, type ConvNetParams, type ConvNetShape } from './convnet';
import { Rng } from '../rng';

/** Where a run's fresh networks are drawn ('host' when a config does not say: runs from before the setting). */
export type NetDraw = 'host' | 'device';
export const NET_DRAWS: readonly [NetDraw, ...NetDraw[]] = ['device', 'host'];

/** Draws a fresh network from a seed (the caller owns and frees it). */
export interface NetDrawer {
  draw(seed: number): ConvNetParams;
  /** Frees what the drawer keeps on the device. */
  dispose(): void;
}

/** One parameter tensor of a network, in `paramList` order: uniform with a bound, or a constant. */
interface PlanEntry {
  dims: number[];
  /** U(−bound, bound), or filled with `fill`. */
  bound?: number;
  fill?: number;
}

/** The parameter tensors `initConvNet` makes for `shape`, in `paramList` order. */
export function paramPlan(shape: ConvNetShape): PlanEntry[] {
  const uniform = (dims: number[], fanIn: number): PlanEntry => ({ dims, bound: 1 / Math.sqrt(fanIn) });
  if (shape.architecture === 'mlp') {
    const plan: PlanEntry[] = [];
    let inF = shape.input[0] * shape.input[1] * shape.input[2];
    for (let i = 0; i < shape.depth; i++) {
      plan.push(uniform([inF, shape.width], inF), uniform([shape.width], inF));
      inF = shape.width;
    }
    return [...plan, uniform([inF, shape.classes], inF), uniform([shape.classes], inF)];
  }
  const plan: PlanEntry[] = [];
  let inC = shape.input[2];
  for (let i = 0; i < shape.depth; i++) {
    const fanIn = inC * 9;
    plan.push(uniform([3, 3, inC, shape.width], fanIn), uniform([shape.width], fanIn), { dims: [shape.width], fill: 1 }, { dims: [shape.width], fill: 0 });
    inC = shape.width;
  }
  const features = embedSize(shape).features;
  return [...plan, uniform([features, shape.classes], features), uniform([shape.classes], features)];
}

/** Three pairwise coprime table sizes (n, n+1, n+2 with n odd) whose product covers `total` weights. */
export function tableSizes(total: number): [number, number, number] {
  let n = Math.max(3, Math.ceil(Math.cbrt(total)));
  if (n % 2 === 0) n++;
  while (n * (n + 1) * (n + 2) < total) n += 2;
  return [n, n + 1, n + 2];
}

/** The drawer a run uses for `where`. */
export function netDrawer(shape: ConvNetShape, where: NetDraw): NetDrawer {
  return where === 'device' ? new DeviceNetDrawer(shape) : { draw: (seed) => initConvNet(shape, seed), dispose: () => {} };
}

/** Draws networks on the device (see the file's comment). */
export class DeviceNetDrawer implements NetDrawer {
  private readonly plan: PlanEntry[];
  /** Uniform weights laid out flat, in plan order. */
  readonly total: number;
  readonly sizes: [number, number, number];
  private kept: { index: [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D]; bound: tf.Tensor1D; twoBound: tf.Tensor1D } | null;

  constructor(private readonly shape: ConvNetShape) {
    this.plan = paramPlan(shape);
    this.total = this.plan.reduce((s, e) => s + (e.bound === undefined ? 0 : e.dims.reduce((a, b) => a * b, 1)), 0);
    this.sizes = tableSizes(this.total);
    this.kept = this.upload();
  }

  /** The table one network's weights come from: T uniform numbers from the seed's stream. */
  table(seed: number): Float32Array {
    const rng = new Rng(seed);
    const [k1, k2, k3] = this.sizes;
    const t = new Float32Array(k1 + k2 + k3);
    for (let i = 0; i < t.length; i++) t[i] = rng.next();
    return t;
  }

  /** The index and bound vectors, uploaded once. */
  private upload(): NonNullable<DeviceNetDrawer['kept']> {
    const [k1, k2, k3] = this.sizes;
    const n = this.total;
    const index = [new Int32Array(n), new Int32Array(n), new Int32Array(n)] as const;
    const bound = new Float32Array(n);
    let at = 0;
    for (const e of this.plan) {
      if (e.bound === undefined) continue;
      const size = e.dims.reduce((a, b) => a * b, 1);
      bound.fill(e.bound, at, at + size);
      at += size;
    }
    for (let i = 0; i < n; i++) {
      index[0][i] = i % k1;
      index[1][i] = k1 + (i % k2);
      index[2][i] = k1 + k2 + (i % k3);
    }
    const twoBound = bound.map((b) => 2 * b);
    return {
      index: [tf.tensor1d(index[0], 'int32'), tf.tensor1d(index[1], 'int32'), tf.tensor1d(index[2], 'int32')],
      bound: tf.tensor1d(bound),
      twoBound: tf.tensor1d(twoBound),
    };
  }

  draw(seed: number): ConvNetParams {
    if (!this.kept) throw new Error('DeviceNetDrawer: drawn after dispose()');
    const { index, bound, twoBound } = this.kept;
    const table = this.table(seed);
    const tensors = tf.tidy(() => {
      const t = tf.tensor1d(table);
      const sum = tf.add(tf.add(tf.gather(t, index[0]), tf.gather(t, index[1])), tf.gather(t, index[2]));
      const u = tf.sub(sum, tf.floor(sum));
      const w = tf.sub(tf.mul(u, twoBound), bound);
      let at = 0;
      return this.plan.map((e) => {
        if (e.bound === undefined) return tf.fill(e.dims, e.fill!);
        const size = e.dims.reduce((a, b) => a * b, 1);
        const out = tf.reshape(tf.slice(w, [at], [size]), e.dims);
        at += size;
        return out;
      });
    });
    return fromList(this.shape, tensors);
  }

  dispose(): void {
    if (this.kept) tf.dispose([...this.kept.index, this.kept.bound, this.kept.twoBound]);
    this.kept = null;
  }
}

/** Parameters from tensors in `paramList` order (the plan's). */
function fromList(shape: ConvNetShape, ts: tf.Tensor[]): ConvNetParams {
  let i = 0;
  const next = <T extends tf.Tensor>() => ts[i++] as T;
  if (shape.architecture === 'mlp') {
    const hidden = Array.from({ length: shape.depth }, () => ({ w: next<tf.Tensor2D>(), b: next<tf.Tensor1D>() }));
    return { blocks: [], hidden, fcW: next<tf.Tensor2D>(), fcB: next<tf.Tensor1D>() };
  }
  const blocks = Array.from({ length: shape.depth }, () => ({ w: next<tf.Tensor4D>(), b: next<tf.Tensor1D>(), gamma: next<tf.Tensor1D>(), beta: next<tf.Tensor1D>() }));
  return { blocks, fcW: next<tf.Tensor2D>(), fcB: next<tf.Tensor1D>() };
}
