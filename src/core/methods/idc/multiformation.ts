/**
 * Multi-formation (IDC: Kim et al., ICML 2022, "Dataset Condensation via Efficient Synthetic-Data
 * Parameterization"). A stored image of H×W decodes into f² training images: the top-left (f·⌊H/f⌋)×(f·⌊W/f⌋)
 * of it is cut into an f×f grid of ⌊H/f⌋×⌊W/f⌋ tiles (row-major), and each tile is upsampled back to H×W
 * bilinearly with half-pixel centres (PyTorch's `F.interpolate(mode='bilinear', align_corners=False)`). Each
 * decoded image keeps its stored image's label. Order: stored image k gives decoded images k·f² … k·f²+f²−1, so a
 * class-major stored set decodes to a class-major set with IPC·f² per class. f = 1 is the identity.
 *
 * The upsampling is two matrix products (rows, then columns), so the decoder is differentiable on every backend
 * with the stock matMul gradient. Pure: no DOM, no state.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherPixels, sampleClass, type RealData } from '../../data/batches';
import type { InitialSet } from '../../init';
import type { Rng } from '../../rng';

/**
 * The [out, inp] matrix of 1-D linear interpolation from `inp` samples to `out` with half-pixel centres
 * (source coordinate (i + ½)·inp/out − ½, clamped at the edges), as PyTorch's bilinear with align_corners=False.
 */
export function interpolationMatrix(out: number, inp: number): Float32Array {
  const m = new Float32Array(out * inp);
  const scale = inp / out;
  for (let i = 0; i < out; i++) {
    const src = Math.max(0, (i + 0.5) * scale - 0.5);
    const i0 = Math.min(inp - 1, Math.floor(src));
    const i1 = Math.min(inp - 1, i0 + 1);
    const t = src - i0;
    m[i * inp + i0] = m[i * inp + i0]! + 1 - t;
    m[i * inp + i1] = m[i * inp + i1]! + t;
  }
  return m;
}

/**
 * The factor a `.npz` records in its meta (`distill run --factor F` writes meta.config.factor): F when it is an
 * integer in 2..max, else 1 (no multi-formation: the stored images are the training set).
 */
export function recordedFactor(meta: unknown, max: number): number {
  const f = Number((meta as { config?: { factor?: unknown } } | undefined)?.config?.factor ?? 1);
  return Number.isInteger(f) && f > 1 && f <= max ? f : 1;
}

/** Tile size of a factor: ⌊H/f⌋ × ⌊W/f⌋. */
export function tileSize(height: number, width: number, factor: number): [number, number] {
  return [Math.floor(height / factor), Math.floor(width / factor)];
}

/** Upsamples x [n, h, w, c] to [n, H, W, c] bilinearly (half-pixel centres) with two matMuls. */
export function upsampleBilinear(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const rows = tf.tensor2d(interpolationMatrix(height, h), [height, h]);
    const cols = tf.tensor2d(interpolationMatrix(width, w), [width, w]);
    // [n, h, w, c] -> [n, c, h, w] -> (·colsᵀ) [n·c·h, W]
    const a = tf.matMul(tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n * c * h, w]), cols, false, true);
    // -> [n·c, h, W] -> [n·c, W, h] -> (·rowsᵀ) [n·c·W, H] -> [n, c, W, H] -> [n, H, W, c]
    const b = tf.transpose(tf.reshape(a, [n * c, h, width]), [0, 2, 1]);
    const d = tf.matMul(tf.reshape(b, [n * c * width, h]), rows, false, true);
    return tf.transpose(tf.reshape(d, [n, c, width, height]), [0, 3, 2, 1]) as tf.Tensor4D;
  });
}

/** Decodes stored images x [n, H, W, c] into [n·f², H, W, c] (see the module's comment). Differentiable. */
export function decode(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  if (factor <= 1) return x;
  return tf.tidy(() => {
    const [n, H, W, c] = x.shape;
    const [th, tw] = tileSize(H, W, factor);
    const tiles: tf.Tensor4D[] = [];
    for (let i = 0; i < factor; i++) {
      for (let j = 0; j < factor; j++) tiles.push(tf.slice(x, [0, i * th, j * tw, 0], [n, th, tw, c]));
    }
    // [f², n, th, tw, c] -> upsample all at once -> [f², n, H, W, c] -> image-major [n, f², H, W, c].
    const up = upsampleBilinear(tf.concat(tiles, 0), H, W);
    const byTile = tf.reshape(up, [factor * factor, n, H * W * c]);
    return tf.reshape(tf.transpose(byTile, [1, 0, 2]), [n * factor * factor, H, W, c]) as tf.Tensor4D;
  });
}

/** Decodes plain pixels (NHWC, `n` images of `shape`); returns them unchanged when factor is 1. */
export function decodePixels(pixels: Float32Array, shape: readonly [number, number, number], factor: number): Float32Array {
  if (factor <= 1) return pixels;
  const n = pixels.length / (shape[0] * shape[1] * shape[2]);
  return tf.tidy(() => decode(tf.tensor4d(pixels, [n, ...shape]), factor).dataSync() as Float32Array).slice();
}

/** Each label repeated f² times (the decoded images' labels, in decode's order). */
export function repeatLabels(labels: ArrayLike<number>, factor: number): Int32Array {
  const k = factor * factor;
  return Int32Array.from({ length: labels.length * k }, (_, i) => labels[Math.floor(i / k)]!);
}

/** Rows of [n, k] soft labels repeated f² times. */
export function repeatRows(values: Float32Array, n: number, factor: number): Float32Array {
  const k = values.length / n;
  const f2 = factor * factor;
  const out = new Float32Array(values.length * f2);
  for (let i = 0; i < n; i++) for (let r = 0; r < f2; r++) out.set(values.subarray(i * k, (i + 1) * k), (i * f2 + r) * k);
  return out;
}

/**
 * Downscales plain images [n, H, W, c] to [n, th, tw, c] by area averaging over each tile cell's footprint
 * (each output pixel averages the input pixels whose centres fall in its cell: IDC's init shrinks real images
 * into the tiles). Exact when H, W are multiples of th, tw.
 */
export function downscale(pixels: Float32Array, n: number, shape: readonly [number, number, number], th: number, tw: number): Float32Array {
  const [H, W, c] = shape;
  const out = new Float32Array(n * th * tw * c);
  for (let k = 0; k < n; k++) {
    for (let y = 0; y < th; y++) {
      const y0 = Math.floor((y * H) / th);
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * H) / th));
      for (let x = 0; x < tw; x++) {
        const x0 = Math.floor((x * W) / tw);
        const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * W) / tw));
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += pixels[((k * H + yy) * W + xx) * c + ch]!;
          out[((k * th + y) * tw + x) * c + ch] = s / ((y1 - y0) * (x1 - x0));
        }
      }
    }
  }
  return out;
}

/**
 * IDC's init: every stored image holds f² distinct random real images of its class, each downscaled into one
 * tile (row-major). Pixels outside the tiles (when f does not divide H or W) are 0, the normalised mean.
 * `chosen` lists, per class, the real images used (IPC·f² per class, in tile order).
 */
export function initTiles(data: RealData, ipc: number, factor: number, rng: Rng): InitialSet {
  const chosen: Int32Array[] = [];
  for (let cls = 0; cls < data.numClasses; cls++) chosen.push(sampleClass(data, cls, ipc * factor * factor, rng));
  return { pixels: tilePixels(data, ipc, factor, chosen), chosen };
}

/**
 * The stored images whose tiles are the given real images: per class, `chosen[c]` (up to IPC·f² dataset indices,
 * in tile order: stored image k of the class gets chosen images k·f² … k·f²+f²−1, row-major over its tiles), each
 * downscaled into its tile. Tiles with no image (a class with fewer) and pixels outside the tiles stay 0. Any
 * initialiser's choice of IPC·f² images per class (random, k-means, importance) composes with the factor this way.
 */
export function tilePixels(data: RealData, ipc: number, factor: number, chosen: readonly Int32Array[]): Float32Array {
  const { height: H, width: W, channels: c } = data.set;
  const [th, tw] = tileSize(H, W, factor);
  const f2 = factor * factor;
  const n = data.numClasses * ipc;
  const pixels = new Float32Array(n * H * W * c);
  for (let cls = 0; cls < data.numClasses; cls++) {
    const idx = chosen[cls]!.subarray(0, ipc * f2);
    const small = downscale(gatherPixels(data, idx), idx.length, [H, W, c], th, tw);
    for (let k = 0; k < idx.length; k++) {
      const img = cls * ipc + Math.floor(k / f2);
      const t = k % f2;
      const ti = Math.floor(t / factor);
      const tj = t % factor;
      for (let y = 0; y < th; y++) {
        for (let x = 0; x < tw; x++) {
          for (let ch = 0; ch < c; ch++) {
            pixels[((img * H + ti * th + y) * W + tj * tw + x) * c + ch] = small[((k * th + y) * tw + x) * c + ch]!;
          }
        }
      }
    }
  }
  return pixels;
}
