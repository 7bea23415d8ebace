/**
 * What distillation changed: each synthetic image's signed difference from its start as a diverging-colour grid,
 * and per class how far the images moved. Plain host arithmetic on pixels already read back for the image
 * snapshot (no extra device read).
 */
import type { ImageChange, ImageGrid } from '../shared/protocol';
import { CHANGE_NEGATIVE, CHANGE_POSITIVE } from '../shared/change-colours';

export { CHANGE_NEGATIVE, CHANGE_POSITIVE };


/** The map's steps on each side of white. */
const STEPS = 255;
let table: Uint8Array | null = null;

/** RGB of the map at t = i / STEPS − 1 for i in 0..2·STEPS: blue at −1, white at 0, red at +1 (linear in between). */
function divergingTable(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array((2 * STEPS + 1) * 3);
  for (let i = 0; i <= 2 * STEPS; i++) {
    const v = i / STEPS - 1;
    const end = v < 0 ? CHANGE_NEGATIVE : CHANGE_POSITIVE;
    for (let ch = 0; ch < 3; ch++) t[i * 3 + ch] = Math.round(255 + Math.abs(v) * (end[ch]! - 255));
  }
  table = t;
  return t;
}

/**
 * Per class, the mean over its images of each image's RMS difference from its start (normalised units, i.e. in
 * standard deviations of the real pixels). `current` and `initial` are NHWC, class-major: image i is class
 * floor(i / ipc).
 */
export function movementPerClass(current: ArrayLike<number>, initial: ArrayLike<number>, imageSize: number, classes: number, ipc: number): number[] {
  if (current.length !== initial.length) throw new Error(`movementPerClass: ${current.length} values now, ${initial.length} at the start.`);
  if (current.length !== classes * ipc * imageSize) throw new Error(`movementPerClass: ${current.length} values for ${classes} × ${ipc} images of ${imageSize}.`);
  const out: number[] = [];
  for (let c = 0; c < classes; c++) {
    let sum = 0;
    for (let k = 0; k < ipc; k++) {
      const o = (c * ipc + k) * imageSize;
      let sq = 0;
      for (let j = 0; j < imageSize; j++) {
        const d = current[o + j]! - initial[o + j]!;
        sq += d * d;
      }
      sum += Math.sqrt(sq / imageSize);
    }
    out.push(sum / ipc);
  }
  return out;
}

/**
 * The signed difference current − initial (normalised space) as an RGBA grid laid out like imagesToGrid's (rows =
 * classes, gap 1): each pixel's difference, averaged over its channels, is divided by `scale`, the largest
 * |difference| in the set, so that one fills the colour range (−scale full blue, 0 white, +scale full red).
 * `gain` is how much the map amplifies the difference against the images' own grey scale (1 / (scale · std));
 * both are 0 when nothing changed.
 */
export function changeFromStart(
  current: ArrayLike<number>,
  initial: ArrayLike<number>,
  shape: readonly [number, number, number],
  classes: number,
  ipc: number,
  std: readonly number[],
  gap = 1,
): ImageChange {
  const [h, w, c] = shape;
  const size = h * w * c;
  const movement = movementPerClass(current, initial, size, classes, ipc);
  const n = classes * ipc;
  const px = h * w;
  // The shown value per pixel: the channel mean of the difference.
  const shown = new Float32Array(n * px);
  let scale = 0;
  for (let i = 0; i < n * px; i++) {
    let s = 0;
    for (let ch = 0; ch < c; ch++) s += current[i * c + ch]! - initial[i * c + ch]!;
    const v = s / c;
    shown[i] = v;
    const a = Math.abs(v);
    if (a > scale) scale = a;
  }
  const meanStd = std.length ? std.slice(0, c).reduce((a, b) => a + b, 0) / Math.min(c, std.length) : 1;
  const gain = scale > 0 ? 1 / (scale * meanStd) : 0;

  const width = ipc * w + (ipc - 1) * gap;
  const height = classes * h + (classes - 1) * gap;
  const rgba = new Uint8ClampedArray(width * height * 4);
  rgba.fill(255);
  const lut = divergingTable();
  const inv = scale > 0 ? STEPS / scale : 0;
  for (let r = 0; r < classes; r++) {
    for (let k = 0; k < ipc; k++) {
      const img = r * ipc + k;
      const ox = k * (w + gap);
      const oy = r * (h + gap);
      for (let y = 0; y < h; y++) {
        let src = img * px + y * w;
        let dst = ((oy + y) * width + ox) * 4;
        for (let x = 0; x < w; x++, src++, dst += 4) {
          const q = (STEPS + Math.round(shown[src]! * inv)) * 3;
          rgba[dst] = lut[q]!;
          rgba[dst + 1] = lut[q + 1]!;
          rgba[dst + 2] = lut[q + 2]!;
        }
      }
    }
  }
  const grid: ImageGrid = { rgba, width, height, rows: classes, cols: ipc, cellWidth: w, cellHeight: h };
  return { grid, scale, gain, movement };
}
