/**
 * The device-built affine warp (scale, rotate) against the former CPU-built one, kept here as the reference
 * (`referenceWarp`: the dense [H·W, H·W] bilinear matrix filled in JavaScript, as dsa.ts did before issue 15),
 * on real MNIST and CIFAR-10 images; its gradients against finite differences; its uploads (28 bytes per warp
 * instead of two H·W x H·W float32 matrices); and no tensors left behind.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { applyDsa, type DsaParams } from './dsa';
import { gatherPixels } from '../data/batches';
import { decodeImage } from '../data/images';
import { readZipDirectory, readZipEntry } from '../data/zip';
import { mnistSubset } from '../../testing/data';
import { countTransfers } from '../../testing/transfers';
import { datasetsDir, finiteDifference, relativeError, useBackend } from '../../testing/tf';

/** The former warpMatrix of dsa.ts, verbatim: row (i·W + j) holds the bilinear weights output (i, j) reads. */
function warpMatrix(h: number, w: number, theta: readonly [number, number, number, number]): Float32Array {
  const [a, b, c, d] = theta;
  const hw = h * w;
  const m = new Float32Array(hw * hw);
  const toNorm = (k: number, size: number) => (size > 1 ? (2 * k) / (size - 1) - 1 : 0);
  const toPix = (t: number, size: number) => {
    const p = ((t + 1) * (size - 1)) / 2;
    const r = Math.round(p);
    return Math.abs(p - r) < 1e-6 ? r : p;
  };
  for (let i = 0; i < h; i++) {
    const v = toNorm(i, h);
    for (let j = 0; j < w; j++) {
      const u = toNorm(j, w);
      const px = toPix(a * u + b * v, w);
      const py = toPix(c * u + d * v, h);
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      const row = (i * w + j) * hw;
      const put = (yy: number, xx: number, weight: number) => {
        if (weight !== 0 && yy >= 0 && yy < h && xx >= 0 && xx < w) m[row + yy * w + xx]! += weight;
      };
      put(y0, x0, (1 - fy) * (1 - fx));
      put(y0, x0 + 1, (1 - fy) * fx);
      put(y0 + 1, x0, fy * (1 - fx));
      put(y0 + 1, x0 + 1, fy * fx);
    }
  }
  return m;
}

/** The former warp, in float64 on the CPU: out[n, o, c] = Σ_s M[o, s] · x[n, s, c]. */
function referenceWarp(x: Float32Array, shape: [number, number, number, number], p: DsaParams): Float64Array {
  const [n, h, w, c] = shape;
  let theta: [number, number, number, number];
  if (p.op === 'scale') theta = [p.sx, 0, 0, p.sy];
  else if (p.op === 'rotate') {
    const t = (p.degrees / 180) * Math.PI;
    theta = [Math.cos(t), Math.sin(t), -Math.sin(t), Math.cos(t)];
  } else throw new Error('not a warp');
  const hw = h * w;
  const m = warpMatrix(h, w, theta);
  const out = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < hw; o++) {
      for (let s = 0; s < hw; s++) {
        const wgt = m[o * hw + s]!;
        if (wgt === 0) continue;
        for (let q = 0; q < c; q++) out[(b * hw + o) * c + q]! += wgt * x[(b * hw + s) * c + q]!;
      }
    }
  }
  return out;
}

/** Eight CIFAR-10 training images (one per class of the first eight), decoded from the JPEG zip, normalised roughly. */
function cifarImages(): { pixels: Float32Array; shape: [number, number, number, number] } {
  const file = path.join(datasetsDir(), 'cifar-10-jpeg', 'cifar10-jpeg.zip');
  const zip = new Uint8Array(readFileSync(file));
  const entries = readZipDirectory(zip, file).filter((e) => /^train\/[a-z]+\/0000\.jpg$/.test(e.name));
  const picked = entries.slice(0, 8);
  expect(picked.length).toBe(8);
  const pixels = new Float32Array(8 * 32 * 32 * 3);
  picked.forEach((e, k) => {
    const img = decodeImage(readZipEntry(zip, e, file), e.name);
    expect([img.height, img.width]).toEqual([32, 32]);
    for (let i = 0; i < 32 * 32 * 3; i++) pixels[k * 3072 + i] = (img.rgb[i]! / 255 - 0.47) / 0.25;
  });
  return { pixels, shape: [8, 32, 32, 3] };
}

const WARPS: DsaParams[] = [
  { op: 'scale', sx: 1.13, sy: 0.87 },
  { op: 'scale', sx: 1 / 1.2, sy: 1.19 },
  { op: 'scale', sx: 2, sy: 0.5 },
  { op: 'rotate', degrees: 11 },
  { op: 'rotate', degrees: -14.7 },
  { op: 'rotate', degrees: 90 },
  { op: 'rotate', degrees: 0 },
];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`device-built affine warp on ${backend}`, () => {
    let mnist: { pixels: Float32Array; shape: [number, number, number, number] };
    let cifar: { pixels: Float32Array; shape: [number, number, number, number] };
    beforeAll(async () => {
      await useBackend(backend);
      const data = mnistSubset(1);
      mnist = { pixels: gatherPixels(data, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), shape: [10, 28, 28, 1] };
      cifar = cifarImages();
    });
    afterAll(() => useBackend('cpu'));

    it('gives the former CPU-built warp\'s output on real MNIST and CIFAR-10 images within 1e-5', () => {
      for (const img of [mnist, cifar]) {
        const x = tf.tensor4d(img.pixels, img.shape);
        for (const p of WARPS) {
          const y = applyDsa(x, p);
          const d = maxAbsDiff(y.dataSync(), referenceWarp(img.pixels, img.shape, p));
          expect(d, `${JSON.stringify(p)} on ${img.shape.join('x')}`).toBeLessThan(1e-5);
          y.dispose();
        }
        x.dispose();
      }
    });

    it('has first and second gradients w.r.t. the images that match finite differences', () => {
      const x = tf.tensor4d(mnist.pixels.slice(0, 784), [1, 28, 28, 1]);
      const r = tf.randomNormal([1, 28, 28, 1], 0, 1, 'float32', 5);
      const probes = [100, 205, 350, 406, 433, 500, 600, 640, 700, 777];
      for (const p of [WARPS[0]!, WARPS[3]!]) {
        const f = (y: tf.Tensor) => tf.sum(tf.mul(applyDsa(y as tf.Tensor4D, p), r)) as tf.Scalar;
        const g1 = tf.grad(f)(x);
        expect(relativeError(finiteDifference(f, x, g1.dataSync() as Float32Array, probes, 1e-2)), `${p.op} first order`).toBeLessThan(1e-2);
        const q = (y: tf.Tensor) => tf.sum(tf.square(tf.grad((z: tf.Tensor) => tf.sum(tf.square(applyDsa(z as tf.Tensor4D, p))))(y))) as tf.Scalar;
        const g2 = tf.grad(q)(x);
        expect(relativeError(finiteDifference(q, x, g2.dataSync() as Float32Array, probes, 1e-2)), `${p.op} second order`).toBeLessThan(1e-2);
        tf.dispose([g1, g2]);
      }
      tf.dispose([x, r]);
    });

    it('uploads 28 bytes per warp and leaves no tensors behind', async () => {
      const x = tf.tensor4d(mnist.pixels, mnist.shape);
      const v = tf.variable(x);
      const before = tf.memory().numTensors;
      const { counts } = await countTransfers(async () => {
        for (const p of WARPS) applyDsa(x, p).dispose();
      });
      // Before: two [784, 784] float32 matrices per warp, 4.9 MB.
      expect(counts).toEqual({ uploads: WARPS.length, uploadBytes: WARPS.length * 28, reads: 0 });
      for (const p of WARPS) {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(applyDsa(v as unknown as tf.Tensor4D, p))), [v]);
        tf.dispose([value, ...Object.values(grads)]);
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, v]);
    });
  });
}
