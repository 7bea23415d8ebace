import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import {
  DSA_DEFAULT_STRATEGY,
  applyDsa,
  augmentPair,
  drawDsa,
  parseStrategy,
  type DsaOp,
  type DsaParams,
} from './dsa';
import { finiteDifference, relativeError, useBackend } from '../../testing/tf';

/** A deterministic image batch whose pixel (n, i, j, c) = 1000n + 100i + 10j + c. */
function pattern(n: number, h: number, w: number, c: number): tf.Tensor4D {
  const v = new Float32Array(n * h * w * c);
  let k = 0;
  for (let a = 0; a < n; a++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let q = 0; q < c; q++) v[k++] = 1000 * a + 100 * i + 10 * j + q;
  return tf.tensor4d(v, [n, h, w, c]);
}

/** Nested [h][w] values of image n, channel q. */
function plane(t: tf.Tensor4D, n = 0, q = 0): number[][] {
  const [, h, w, c] = t.shape;
  const d = t.dataSync();
  return Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => d[((n * h + i) * w + j) * c + q]!));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** One representative parameter set per op, with non-trivial values, for 5x6 images. */
const SAMPLES: DsaParams[] = [
  { op: 'color', brightness: 0.3, saturation: 1.4, contrast: 0.7 },
  { op: 'crop', dy: -1, dx: 2 },
  { op: 'cutout', cy: 1, cx: 4, h: 3, w: 3 },
  { op: 'flip', flipped: true },
  { op: 'scale', sx: 1.13, sy: 0.87 },
  { op: 'rotate', degrees: 11 },
];

describe('DSA strategy and sampling', () => {
  it('parses strategies, drops flip on request and names a bad op', () => {
    expect(parseStrategy(DSA_DEFAULT_STRATEGY)).toEqual(['color', 'crop', 'cutout', 'flip', 'scale', 'rotate']);
    expect(parseStrategy(DSA_DEFAULT_STRATEGY, { flip: false })).toEqual(['color', 'crop', 'cutout', 'scale', 'rotate']);
    expect(parseStrategy('none')).toEqual([]);
    expect(() => parseStrategy('color_blur_flip')).toThrow(/'blur'.*color, crop, cutout, flip, scale, rotate/);
  });

  it('is deterministic for a seed and draws parameters in the reference ranges', () => {
    const opts = { height: 32, width: 32 };
    const a = Array.from({ length: 50 }, () => 0);
    const r1 = new Rng(7);
    const r2 = new Rng(7);
    const d1 = a.map(() => drawDsa(r1, DSA_DEFAULT_STRATEGY, opts));
    const d2 = a.map(() => drawDsa(r2, DSA_DEFAULT_STRATEGY, opts));
    expect(d1).toEqual(d2);
    const r3 = new Rng(8);
    expect(a.map(() => drawDsa(r3, DSA_DEFAULT_STRATEGY, opts))).not.toEqual(d1);

    const rng = new Rng(1);
    for (let k = 0; k < 3000; k++) {
      const p = drawDsa(rng, DSA_DEFAULT_STRATEGY, opts);
      switch (p.op) {
        case 'color':
          expect(Math.abs(p.brightness)).toBeLessThanOrEqual(0.5);
          expect(p.saturation).toBeGreaterThanOrEqual(0);
          expect(p.saturation).toBeLessThan(2);
          expect(p.contrast).toBeGreaterThanOrEqual(0.5);
          expect(p.contrast).toBeLessThan(1.5);
          break;
        case 'crop':
          for (const s of [p.dy, p.dx]) {
            expect(Number.isInteger(s)).toBe(true);
            expect(Math.abs(s)).toBeLessThanOrEqual(4); // int(32 · 0.125 + 0.5)
          }
          break;
        case 'cutout':
          expect([p.h, p.w]).toEqual([16, 16]);
          expect(p.cy).toBeGreaterThanOrEqual(0);
          expect(p.cy).toBeLessThanOrEqual(32);
          break;
        case 'scale':
          for (const s of [p.sx, p.sy]) {
            expect(s).toBeGreaterThanOrEqual(1 / 1.2 - 1e-12);
            expect(s).toBeLessThan(1.2);
          }
          break;
        case 'rotate':
          expect(Math.abs(p.degrees)).toBeLessThanOrEqual(15);
          break;
        default:
          break;
      }
    }
  });

  it('chooses each op with frequency 1/#ops (±3σ), never flip when disabled', () => {
    const n = 6000;
    for (const [strategy, flip] of [
      [DSA_DEFAULT_STRATEGY, true],
      [DSA_DEFAULT_STRATEGY, false],
    ] as const) {
      const ops = parseStrategy(strategy, { flip });
      const counts = new Map<string, number>();
      const rng = new Rng(flip ? 11 : 12);
      let flipsTrue = 0;
      for (let k = 0; k < n; k++) {
        const p = drawDsa(rng, strategy, { flip, height: 28, width: 28 });
        counts.set(p.op, (counts.get(p.op) ?? 0) + 1);
        if (p.op === 'flip' && p.flipped) flipsTrue++;
      }
      const prob = 1 / ops.length;
      const sigma = Math.sqrt(n * prob * (1 - prob));
      expect([...counts.keys()].sort()).toEqual([...ops].sort());
      for (const op of ops) expect(Math.abs(counts.get(op)! - n * prob)).toBeLessThan(3 * sigma);
      if (flip) {
        const nf = counts.get('flip')!;
        expect(Math.abs(flipsTrue - nf / 2)).toBeLessThan(3 * Math.sqrt(nf / 4));
      } else {
        expect(counts.has('flip')).toBe(false);
      }
    }
    expect(drawDsa(new Rng(1), 'flip', { flip: false, height: 8, width: 8 })).toEqual({ op: 'none' });
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`DSA ops on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('flip reverses columns; crop shifts and zero-fills; cutout zeroes exactly its square', () => {
      const x = pattern(2, 4, 5, 2);
      const flipped = applyDsa(x, { op: 'flip', flipped: true });
      expect(plane(flipped, 1, 1)).toEqual(plane(x, 1, 1).map((row) => [...row].reverse()));
      const same = applyDsa(x, { op: 'flip', flipped: false });
      expect(maxAbsDiff(same.dataSync(), x.dataSync())).toBe(0);

      // Crop (dy, dx) = (+1, 0): content moves down one row, the top row is zero.
      const down = applyDsa(x, { op: 'crop', dy: 1, dx: 0 });
      const px = plane(x, 1, 0);
      expect(plane(down, 1, 0)).toEqual([[0, 0, 0, 0, 0], ...px.slice(0, 3)]);
      // (0, −2): content moves left two columns, the last two columns are zero.
      const left = applyDsa(x, { op: 'crop', dy: 0, dx: -2 });
      expect(plane(left, 0, 1)).toEqual(plane(x, 0, 1).map((row) => [...row.slice(2), 0, 0]));

      // Cutout centred at (1, 4) of size 2x3: rows [0, 2), columns [3, 6) ∩ [0, 5).
      const cut = applyDsa(x, { op: 'cutout', cy: 1, cx: 4, h: 2, w: 3 });
      for (let n = 0; n < 2; n++) {
        for (let q = 0; q < 2; q++) {
          const expected = plane(x, n, q).map((row, i) => row.map((v, j) => (i < 2 && j >= 3 ? 0 : v)));
          expect(plane(cut, n, q)).toEqual(expected);
        }
      }
      tf.dispose([x, flipped, same, down, left, cut]);
    });

    it('scale 1 and rotate 0 are identities; rotate 90° and scale 2 / 0.5 move pixels as computed by hand', () => {
      const x = pattern(2, 5, 5, 3);
      for (const p of [
        { op: 'scale', sx: 1, sy: 1 },
        { op: 'rotate', degrees: 0 },
      ] as DsaParams[]) {
        const y = applyDsa(x, p);
        expect(maxAbsDiff(y.dataSync(), x.dataSync())).toBeLessThan(1e-5);
        y.dispose();
      }
      // Rotation by 90° (reference convention): output (i, j) reads input (W−1−j, i).
      const rot = applyDsa(x, { op: 'rotate', degrees: 90 });
      const src = plane(x, 1, 2);
      expect(maxAbsDiff(plane(rot, 1, 2).flat(), src.map((row, i) => row.map((_, j) => src[4 - j]![i]!)).flat())).toBeLessThan(1e-3);
      // Scale sx = 2 on 5 columns samples columns −2, 0, 2, 4, 6: [0, a, c, e, 0]; sx = 0.5 samples 1, 1.5, 2, 2.5, 3.
      const big = applyDsa(x, { op: 'scale', sx: 2, sy: 1 });
      expect(plane(big, 0, 1)).toEqual(src.map((_, i) => [0, 100 * i + 1, 100 * i + 21, 100 * i + 41, 0]));
      const small = applyDsa(x, { op: 'scale', sx: 0.5, sy: 1 });
      const expected = plane(x, 0, 0).map((_, i) => [10, 15, 20, 25, 30].map((v) => 100 * i + v));
      expect(maxAbsDiff(plane(small, 0, 0).flat(), expected.flat())).toBeLessThan(1e-3);
      // A small rotation keeps the centre pixel of a centred blob and (approximately) its mass.
      const blob = tf.tensor4d([0, 0, 0, 0, 0, 0, 1, 2, 1, 0, 0, 2, 4, 2, 0, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0], [1, 5, 5, 1]);
      const turned = applyDsa(blob, { op: 'rotate', degrees: 13 });
      expect(plane(turned)[2]![2]).toBeCloseTo(4, 5);
      expect(Math.abs(turned.sum().dataSync()[0]! - 16) / 16).toBeLessThan(0.05);
      tf.dispose([x, rot, big, small, blob, turned]);
    });

    it('colour shifts brightness and scales saturation and contrast around their means', () => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 2, 2, 3]);
      const b = applyDsa(x, { op: 'color', brightness: 0.25, saturation: 1, contrast: 1 });
      expect(maxAbsDiff(b.dataSync(), x.add(0.25).dataSync())).toBeLessThan(1e-5);
      // Saturation 0: every pixel becomes its channel mean (2, 5, 8, 11); contrast 0.5 halves deviations from 6.5.
      const s = applyDsa(x, { op: 'color', brightness: 0, saturation: 0, contrast: 1 });
      expect(maxAbsDiff(s.dataSync(), [2, 2, 2, 5, 5, 5, 8, 8, 8, 11, 11, 11])).toBeLessThan(1e-5);
      const c = applyDsa(x, { op: 'color', brightness: 0, saturation: 1, contrast: 0.5 });
      expect(maxAbsDiff(c.dataSync(), [...x.dataSync()].map((v) => 6.5 + (v - 6.5) / 2))).toBeLessThan(1e-5);
      // All three in sequence, and saturation is a no-op on one channel.
      const all = applyDsa(x, { op: 'color', brightness: 1, saturation: 2, contrast: 1.5 });
      const exp = [...x.dataSync()].map((v, k) => {
        const m = 3 * Math.floor(k / 3) + 2 + 1; // channel mean + brightness
        const sat = (v + 1 - m) * 2 + m;
        return (sat - 7.5) * 1.5 + 7.5;
      });
      expect(maxAbsDiff(all.dataSync(), exp)).toBeLessThan(1e-4);
      const gray = tf.tensor4d([1, 2, 3, 6], [1, 2, 2, 1]);
      const g = applyDsa(gray, { op: 'color', brightness: 0, saturation: 0, contrast: 2 });
      expect(maxAbsDiff(g.dataSync(), [-1, 1, 3, 9])).toBeLessThan(1e-5);
      tf.dispose([x, b, s, c, all, gray, g]);
    });

    it('siamese: one draw transforms a batch and its first image alone identically; augmentPair shares it', () => {
      const x = tf.randomNormal([3, 6, 6, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const first = tf.slice(x, [0, 0, 0, 0], [1, 6, 6, 3]);
      const rng = new Rng(5);
      const seen = new Set<string>();
      for (let k = 0; k < 40; k++) {
        const p = drawDsa(rng, DSA_DEFAULT_STRATEGY, { height: 6, width: 6 });
        seen.add(p.op);
        const batch = applyDsa(x, p);
        const alone = applyDsa(first, p);
        const head = tf.slice(batch, [0, 0, 0, 0], [1, 6, 6, 3]);
        expect(maxAbsDiff(head.dataSync(), alone.dataSync())).toBeLessThan(1e-5);
        tf.dispose([batch, alone, head]);
      }
      expect(seen.size).toBe(6);
      const pair = augmentPair(x, first, new Rng(9), 'rotate');
      expect(pair.params.op).toBe('rotate');
      const head = tf.slice(pair.real, [0, 0, 0, 0], [1, 6, 6, 3]);
      expect(maxAbsDiff(head.dataSync(), pair.syn.dataSync())).toBeLessThan(1e-5);
      expect(maxAbsDiff(head.dataSync(), first.dataSync())).toBeGreaterThan(1e-3);
      tf.dispose([x, first, pair.real, pair.syn, head]);
    });

    it('gradients of every op match finite differences, to first and second order', () => {
      const x = tf.randomNormal([2, 5, 6, 2], 0, 1, 'float32', 21) as tf.Tensor4D;
      const r = tf.randomNormal([2, 5, 6, 2], 0, 1, 'float32', 22);
      const probes = [0, 7, 13, 22, 31, 40, 58, 66, 79, 93, 104, 119];
      for (const p of SAMPLES) {
        const f = (y: tf.Tensor) => tf.sum(tf.mul(applyDsa(y as tf.Tensor4D, p), r)) as tf.Scalar;
        const g1 = tf.grad(f)(x);
        const e1 = relativeError(finiteDifference(f, x, g1.dataSync() as Float32Array, probes, 1e-2));
        expect(e1, `${p.op} first order`).toBeLessThan(1e-2);
        // Second order: d/dx Σ (∂/∂x Σ applyDsa(x)²)².
        const q = (y: tf.Tensor) => tf.sum(tf.square(tf.grad((z: tf.Tensor) => tf.sum(tf.square(applyDsa(z as tf.Tensor4D, p))))(y))) as tf.Scalar;
        const g2 = tf.grad(q)(x);
        const e2 = relativeError(finiteDifference(q, x, g2.dataSync() as Float32Array, probes, 1e-2));
        expect(e2, `${p.op} second order`).toBeLessThan(1e-2);
        tf.dispose([g1, g2]);
      }
      tf.dispose([x, r]);
    });

    it('leaves no tensors behind', () => {
      const real = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const init = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const syn = tf.variable(init);
      init.dispose();
      const before = tf.memory().numTensors;
      const rng = new Rng(3);
      const ops: DsaOp[] = ['color', 'crop', 'cutout', 'flip', 'scale', 'rotate'];
      for (const op of [...ops, ...ops]) {
        const pair = augmentPair(real, syn, rng, [op]);
        tf.dispose([pair.real, pair.syn]);
        const { value, grads } = tf.variableGrads(() => {
          const out = augmentPair(real, syn, rng, [op]);
          return tf.sum(tf.square(tf.sub(tf.mean(out.real, 0), tf.mean(out.syn, 0))));
        }, [syn]);
        tf.dispose([value, ...Object.values(grads)]);
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([real, syn]);
    });
  });
}
