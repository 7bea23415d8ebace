/**
 * Differentiable Siamese Augmentation (Zhao & Bilen 2021), as DC/DSA and DM use it.
 *
 * One augmentation is drawn with the seeded `Rng` (`drawDsa`: one op picked uniformly from the strategy, then its
 * random parameters, as plain numbers that can be logged) and applied with the same parameters to every image of
 * the real batch and of the synthetic batch (`applyDsa`). Parameter ranges follow the reference code
 * (ParamDiffAug): brightness ±0.5, saturation x[0, 2), contrast x[0.5, 1.5), crop shifts up to 12.5% of the side,
 * cutout of half the side, flip with p = 0.5, scale x[1/1.2, 1.2) per axis, rotation ±15°.
 *
 * Every op is linear (colour: affine) in the pixels and built from ops whose gradients are themselves
 * differentiable on every backend: add/sub/mul/mean, pad/slice, reverse, and, for the affine warps, a matMul with
 * an interpolation matrix built on the device from six coefficients (it depends only on the parameters, so only
 * 28 bytes cross the bus per warp). No pow, exp, max or Equal on the path that is differentiated.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** The augmentation ops of a DSA strategy string. */
export type DsaOp = 'color' | 'crop' | 'cutout' | 'flip' | 'scale' | 'rotate';

/** One drawn augmentation: the op and its parameters (plain numbers; `none` when the strategy is empty). */
export type DsaParams =
  | { op: 'none' }
  /** Brightness shift (added), then saturation factor (around the channel mean), then contrast factor (around the image mean). */
  | { op: 'color'; brightness: number; saturation: number; contrast: number }
  /** Translation of the content in pixels (out[y, x] = in[y − dy, x − dx]), zero fill. */
  | { op: 'crop'; dy: number; dx: number }
  /** Zeroes rows [cy − ⌊h/2⌋, cy − ⌊h/2⌋ + h) and columns [cx − ⌊w/2⌋, cx − ⌊w/2⌋ + w), clipped at the borders. */
  | { op: 'cutout'; cy: number; cx: number; h: number; w: number }
  /** Horizontal flip when `flipped`; identity otherwise. */
  | { op: 'flip'; flipped: boolean }
  /** Sampling factors: output at normalised (u, v) reads the input at (sx·u, sy·v); factors > 1 shrink the content. */
  | { op: 'scale'; sx: number; sy: number }
  /** Rotation angle in degrees (reference convention: output (u, v) reads (cos·u + sin·v, −sin·u + cos·v)). */
  | { op: 'rotate'; degrees: number };

/** Options of a strategy: `flip: false` removes flip (MNIST-like digits). */
export interface DsaOptions {
  flip?: boolean;
}

/** Options of a draw: the strategy options plus the image size (crop and cutout draw integer pixel offsets). */
export interface DsaDrawOptions extends DsaOptions {
  height: number;
  width: number;
}

/** The reference strategy: every op. */
export const DSA_DEFAULT_STRATEGY = 'color_crop_cutout_flip_scale_rotate';

/** The reference hyper-parameters (ParamDiffAug). */
export const DSA_RATIOS = {
  brightness: 1.0,
  saturation: 2.0,
  contrast: 0.5,
  crop: 0.125,
  cutout: 0.5,
  flipProbability: 0.5,
  scale: 1.2,
  rotateDegrees: 15,
} as const;

const ALL_OPS: readonly DsaOp[] = ['color', 'crop', 'cutout', 'flip', 'scale', 'rotate'];

/** Parses 'color_crop_…' into its ops (deduplicated, in order); '' or 'none' gives []. Throws on unknown names. */
export function parseStrategy(s: string, opts: DsaOptions = {}): DsaOp[] {
  const trimmed = s.trim().toLowerCase();
  if (trimmed === '' || trimmed === 'none') return [];
  const ops: DsaOp[] = [];
  for (const name of trimmed.split('_')) {
    if (!(ALL_OPS as readonly string[]).includes(name)) {
      throw new Error(`Unknown DSA op '${name}' in strategy '${s}': allowed ops are ${ALL_OPS.join(', ')}`);
    }
    const op = name as DsaOp;
    if (op === 'flip' && opts.flip === false) continue;
    if (!ops.includes(op)) ops.push(op);
  }
  return ops;
}

/** Draws one augmentation: an op uniformly from the strategy, then its parameters, all from `rng`. */
export function drawDsa(rng: Rng, strategy: string | readonly DsaOp[], opts: DsaDrawOptions): DsaParams {
  const ops = typeof strategy === 'string' ? parseStrategy(strategy, opts) : strategy.filter((o) => o !== 'flip' || opts.flip !== false);
  if (ops.length === 0) return { op: 'none' };
  const { height, width } = opts;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new Error(`drawDsa needs a positive integer image size, got ${height}x${width}`);
  }
  const op = ops[rng.int(ops.length)]!;
  const r = DSA_RATIOS;
  switch (op) {
    case 'color': {
      const brightness = (rng.next() - 0.5) * r.brightness;
      const saturation = rng.next() * r.saturation;
      const contrast = rng.next() + r.contrast;
      return { op, brightness, saturation, contrast };
    }
    case 'crop': {
      const sy = Math.floor(height * r.crop + 0.5);
      const sx = Math.floor(width * r.crop + 0.5);
      const dy = rng.int(2 * sy + 1) - sy;
      const dx = rng.int(2 * sx + 1) - sx;
      return { op, dy, dx };
    }
    case 'cutout': {
      const h = Math.floor(height * r.cutout + 0.5);
      const w = Math.floor(width * r.cutout + 0.5);
      const cy = rng.int(height + (1 - (h % 2)));
      const cx = rng.int(width + (1 - (w % 2)));
      return { op, cy, cx, h, w };
    }
    case 'flip':
      return { op, flipped: rng.next() < r.flipProbability };
    case 'scale': {
      const lo = 1 / r.scale;
      const sx = rng.next() * (r.scale - lo) + lo;
      const sy = rng.next() * (r.scale - lo) + lo;
      return { op, sx, sy };
    }
    case 'rotate':
      return { op, degrees: (rng.next() - 0.5) * 2 * r.rotateDegrees };
  }
}

/** Applies drawn parameters to a batch (NHWC, any size); differentiable twice w.r.t. x. Returns a new tensor. */
export function applyDsa(x: tf.Tensor4D, p: DsaParams): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`applyDsa expects an NHWC batch, got shape [${x.shape.join(', ')}]`);
  return tf.tidy(() => {
    switch (p.op) {
      case 'none':
        return tf.clone(x);
      case 'color':
        return color(x, p.brightness, p.saturation, p.contrast);
      case 'crop':
        return translate(x, p.dy, p.dx);
      case 'cutout':
        return cutout(x, p.cy, p.cx, p.h, p.w);
      case 'flip':
        return p.flipped ? tf.reverse(x, 2) : tf.clone(x);
      case 'scale':
        return affineWarp(x, [p.sx, 0, 0, p.sy]);
      case 'rotate': {
        const t = (p.degrees / 180) * Math.PI;
        const c = Math.cos(t);
        const s = Math.sin(t);
        return affineWarp(x, [c, s, -s, c]);
      }
    }
  });
}

/** Augments a real and a synthetic batch with one draw (siamese); returns both and the parameters used. */
export function augmentPair(
  real: tf.Tensor4D,
  syn: tf.Tensor4D,
  rng: Rng,
  strategy: string | readonly DsaOp[] = DSA_DEFAULT_STRATEGY,
  opts: DsaOptions = {},
): { real: tf.Tensor4D; syn: tf.Tensor4D; params: DsaParams } {
  const [, h, w] = real.shape;
  if (syn.shape[1] !== h || syn.shape[2] !== w) {
    throw new Error(`augmentPair: real images are ${h}x${w} but synthetic ones ${syn.shape[1]}x${syn.shape[2]}`);
  }
  const params = drawDsa(rng, strategy, { ...opts, height: h, width: w });
  return { real: applyDsa(real, params), syn: applyDsa(syn, params), params };
}

/** Brightness, saturation and contrast in sequence (reference order). */
function color(x: tf.Tensor4D, brightness: number, saturation: number, contrast: number): tf.Tensor4D {
  let y: tf.Tensor4D = tf.add(x, brightness);
  if (x.shape[3] > 1) {
    const m = tf.mean(y, 3, true);
    y = tf.add(tf.mul(tf.sub(y, m), saturation), m);
  }
  const m = tf.mean(y, [1, 2, 3], true);
  return tf.add(tf.mul(tf.sub(y, m), contrast), m);
}

/** out[y, x] = in[y − dy, x − dx], zero outside: pad + slice. */
function translate(x: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const padded = tf.pad(x, [
    [0, 0],
    [Math.max(dy, 0), Math.max(-dy, 0)],
    [Math.max(dx, 0), Math.max(-dx, 0)],
    [0, 0],
  ]);
  return tf.slice(padded, [0, Math.max(-dy, 0), Math.max(-dx, 0), 0], [n, h, w, c]);
}

/**
 * Multiplies by a constant 0/1 mask that zeroes the (clipped) rectangle. The mask is made on the device from one
 * upload of 20 bytes (the rectangle's bounds and a 1; issue 15: it was an H·W mask filled in JavaScript): rows and
 * columns are counted by cumsum of the tiled 1 (exact small integers), compared with the bounds.
 */
function cutout(x: tf.Tensor4D, cy: number, cx: number, ch: number, cw: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const y0 = Math.max(0, cy - Math.floor(ch / 2));
  const y1 = Math.min(h, cy - Math.floor(ch / 2) + ch);
  const x0 = Math.max(0, cx - Math.floor(cw / 2));
  const x1 = Math.max(x0, Math.min(w, cx - Math.floor(cw / 2) + cw));
  const p = tf.tensor1d([y0, y1, x0, x1, 1]);
  const at = (k: number) => tf.slice(p, [k], [1]);
  const ones = tf.tile(tf.reshape(at(4), [1, 1]), [h, w]);
  const rows = tf.cumsum(ones, 0, true); // i
  const cols = tf.cumsum(ones, 1, true); // j
  const within = (v: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor) => tf.mul(tf.cast(tf.greaterEqual(v, lo), 'float32'), tf.cast(tf.less(v, hi), 'float32'));
  const inside = tf.mul(within(rows, at(0), at(1)), within(cols, at(2), at(3)));
  return tf.mul(x, tf.reshape(tf.sub(ones, inside), [1, h, w, 1]));
}

/**
 * The six coefficients of the warp theta = [a, b; c, d] (no translation) in pixel units, as
 * torch's affine_grid + grid_sample with align_corners = true: output pixel (i, j) at normalised
 * (u, v) = (2j/(W−1) − 1, 2i/(H−1) − 1) reads the input at (a·u + b·v, c·u + d·v), i.e. at pixel
 * (px, py) = (cx[0]·j + cx[1]·i + cx[2], cy[0]·j + cy[1]·i + cy[2]). Computed in float64; laid out as the [3, 2]
 * matrix [[cx0, cy0], [cx1, cy1], [cx2, cy2]] that multiplies the rows (j, i, 1), followed by a 1 (7 floats).
 */
export function warpCoefficients(h: number, w: number, theta: readonly [number, number, number, number]): Float32Array {
  const [a, b, c, d] = theta;
  const su = w > 1 ? 2 / (w - 1) : 0;
  const sv = h > 1 ? 2 / (h - 1) : 0;
  const ou = w > 1 ? -1 : 0;
  const ov = h > 1 ? -1 : 0;
  const kx = (w - 1) / 2;
  const ky = (h - 1) / 2;
  return Float32Array.from([kx * a * su, ky * c * su, kx * b * sv, ky * d * sv, kx * (a * ou + b * ov + 1), ky * (c * ou + d * ov + 1), 1]);
}

/**
 * The [H·W, H·W] bilinear sampling matrix of the warp (zero padding), built on the device from the 28 bytes of
 * `warpCoefficients`: the source position (px, py) of every output pixel comes from a grid made on the device
 * (cumsum of the tiled 1: no further upload), and the weight of input pixel (y, x) is the separable tent
 * max(0, 1 − |px − x|) · max(0, 1 − |py − y|), which equals the four bilinear weights (floor/frac) and is zero for
 * every other pixel and outside the image. Not differentiated: it depends only on the parameters.
 */
export function samplingMatrix(h: number, w: number, theta: readonly [number, number, number, number]): tf.Tensor2D {
  return tf.tidy(() => {
    const hw = h * w;
    // One upload: the six coefficients and a 1, from which every other constant is tiled on the device.
    const params = tf.tensor1d(warpCoefficients(h, w, theta));
    const coef = tf.reshape(tf.slice(params, [0], [6]), [3, 2]);
    const one = tf.reshape(tf.slice(params, [6], [1]), [1, 1]);
    const ones = tf.tile(one, [h, w]);
    const cols = tf.cumsum(ones, 1, true); // j
    const rows = tf.cumsum(ones, 0, true); // i
    const grid = tf.concat([tf.reshape(cols, [hw, 1]), tf.reshape(rows, [hw, 1]), tf.reshape(ones, [hw, 1])], 1);
    const pos = tf.matMul(grid, coef); // [hw, 2]: (px, py)
    const px = tf.slice(pos, [0, 0], [hw, 1]);
    const py = tf.slice(pos, [0, 1], [hw, 1]);
    const xs = tf.cumsum(tf.tile(one, [1, w]), 1, true);
    const ys = tf.cumsum(tf.tile(one, [1, h]), 1, true);
    const wx = tf.relu(tf.sub(one, tf.abs(tf.sub(px, xs)))); // [hw, w]
    const wy = tf.relu(tf.sub(one, tf.abs(tf.sub(py, ys)))); // [hw, h]
    return tf.reshape(tf.mul(tf.reshape(wy, [hw, h, 1]), tf.reshape(wx, [hw, 1, w])), [hw, hw]) as tf.Tensor2D;
  });
}

/** out = M · x over the spatial axis, as one 2-D matMul on x laid out [H·W, N·C] (no broadcast batch). */
function affineWarp(x: tf.Tensor4D, theta: readonly [number, number, number, number]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const hw = h * w;
  const m = samplingMatrix(h, w, theta);
  const flat = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [hw, n * c]) as tf.Tensor2D;
  const out = spatialMix(m, null, flat);
  return tf.transpose(tf.reshape(out, [h, w, n, c]), [2, 0, 1, 3]);
}

/**
 * y = A · f for a constant matrix A (with its transpose At, or null to transpose on the device when a gradient is
 * asked for), differentiable to any order w.r.t. f: the gradient is spatialMix(At, A, g). A custom gradient because
 * the stock matMul gradient also computes the (unneeded) gradient w.r.t. A and uses transposed matMuls, which wasm
 * runs about 30x slower than plain ones.
 */
function spatialMix(a: tf.Tensor2D, at: tf.Tensor2D | null, f: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad(((ff: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save(at ? [a, at] : [a]);
    return {
      value: tf.matMul(a, ff),
      gradFunc: (g: tf.Tensor, saved: tf.Tensor[]) => {
        const aS = saved[0] as tf.Tensor2D;
        const atS = (saved[1] as tf.Tensor2D | undefined) ?? (tf.transpose(aS) as tf.Tensor2D);
        return spatialMix(atS, aS, g as tf.Tensor2D);
      },
    };
  }) as unknown as CustomGradFn) as (ff: tf.Tensor2D) => tf.Tensor2D;
  return op(f);
}
