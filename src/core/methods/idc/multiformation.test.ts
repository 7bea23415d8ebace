import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { decode, decodePixels, downscale, initTiles, interpolationMatrix, repeatLabels, repeatRows } from './multiformation';
import { useBackend, finiteDifference, relativeError } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';
import { Rng } from '../../rng';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`multi-formation on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('decodes n stored images into n·f² images of the same size; f = 1 is the identity', () => {
      const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      for (const f of [2, 3]) {
        const y = decode(x, f);
        expect(y.shape).toEqual([3 * f * f, 28, 28, 1]);
        y.dispose();
      }
      expect(decode(x, 1)).toBe(x);
      const rgb = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
      const z = decode(rgb, 2);
      expect(z.shape).toEqual([8, 32, 32, 3]);
      tf.dispose([x, rgb, z]);
    });

    it('each decoded image is its tile upsampled: a constant tile gives a constant image, in row-major tile order', () => {
      // A 4x4 image whose 2x2 tiles hold 1, 2 (top) and 3, 4 (bottom); channel 1 holds their negatives.
      const px = new Float32Array(4 * 4 * 2);
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const t = 1 + 2 * Math.floor(y / 2) + Math.floor(x / 2);
          px[(y * 4 + x) * 2] = t;
          px[(y * 4 + x) * 2 + 1] = -t;
        }
      }
      const out = decodePixels(px, [4, 4, 2], 2);
      expect(out.length).toBe(4 * 32);
      for (let t = 0; t < 4; t++) {
        for (let p = 0; p < 16; p++) {
          expect(out[t * 32 + p * 2]).toBeCloseTo(t + 1, 5);
          expect(out[t * 32 + p * 2 + 1]).toBeCloseTo(-(t + 1), 5);
        }
      }
    });

    it('upsampling matches bilinear with half-pixel centres (PyTorch align_corners=False) on a ramp', () => {
      // PyTorch: F.interpolate(torch.tensor([[[[0., 1.]]]]), size=(1, 4), mode='bilinear') = [0, .25, .75, 1].
      expect(Array.from(interpolationMatrix(4, 2))).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
      // Every row of the matrix sums to 1 (constants are kept).
      const m = interpolationMatrix(28, 9);
      for (let i = 0; i < 28; i++) expect(m.subarray(i * 9, i * 9 + 9).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    });

    it('its gradient equals central finite differences', () => {
      const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 2);
      const r = tf.randomNormal([8, 6, 6, 2], 0, 1, 'float32', 3);
      // A non-linear scalar of the decoded set, so the check is not only of a linear map's transpose.
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.square(decode(t as tf.Tensor4D, 2)), r)) as tf.Scalar;
      const g = tf.grad(f)(x);
      const pairs = finiteDifference(f, x, g.dataSync() as Float32Array, [0, 5, 17, 40, 71, 100, 143], 1e-2);
      expect(relativeError(pairs)).toBeLessThan(2e-3);
      // f = 3 on 7x7 (tiles of 2x2, the last row and column unused: their gradient is 0).
      const x3 = tf.randomNormal([1, 7, 7, 1], 0, 1, 'float32', 4);
      const r3 = tf.randomNormal([9, 7, 7, 1], 0, 1, 'float32', 5);
      const f3 = (t: tf.Tensor) => tf.sum(tf.mul(tf.square(decode(t as tf.Tensor4D, 3)), r3)) as tf.Scalar;
      const g3 = tf.grad(f3)(x3);
      const g3d = g3.dataSync() as Float32Array;
      expect(relativeError(finiteDifference(f3, x3, g3d, [0, 8, 20, 33], 1e-2))).toBeLessThan(2e-3);
      expect(g3d[6]).toBe(0);
      expect(g3d[48]).toBe(0);
      tf.dispose([x, r, g, x3, r3, g3]);
    });

    it('leaves no tensors behind', () => {
      const x = tf.randomNormal([2, 8, 8, 1]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(decode(t as tf.Tensor4D, 2)) as tf.Scalar)(x)).dispose();
      decodePixels(new Float32Array(2 * 64), [8, 8, 1], 2);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  });
}

describe('multi-formation labels and init', () => {
  it('repeats labels and soft-label rows f² times in decode order', () => {
    expect(Array.from(repeatLabels([0, 1], 2))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(repeatRows(Float32Array.from([1, 2, 3, 4]), 2, 2))).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 3, 4]);
  });

  it('downscale averages blocks', () => {
    const px = Float32Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(downscale(px, 1, [4, 4, 1], 2, 2))).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('initTiles puts f² distinct downscaled real images of the class in the tiles, deterministically', async () => {
    await useBackend('cpu');
    const data = mnistSubset(20);
    const a = initTiles(data, 2, 2, new Rng(7));
    const b = initTiles(data, 2, 2, new Rng(7));
    expect(a.pixels).toEqual(b.pixels);
    expect(a.pixels.length).toBe(10 * 2 * 28 * 28);
    a.chosen.forEach((idx, c) => {
      expect(idx.length).toBe(8);
      expect(new Set(idx).size).toBe(8);
      for (const i of idx) expect(data.set.labels[i]).toBe(c);
    });
    // Decoding the init gives back (an upsampled version of) each chosen real image: it correlates with it.
    const dec = decodePixels(a.pixels.slice(0, 28 * 28), [28, 28, 1], 2);
    const real = (await import('../../data/batches')).gatherPixels(data, a.chosen[0]!.subarray(0, 4));
    for (let t = 0; t < 4; t++) {
      const u = dec.subarray(t * 784, (t + 1) * 784);
      const v = real.subarray(t * 784, (t + 1) * 784);
      const mu = u.reduce((s, z) => s + z, 0) / 784;
      const mv = v.reduce((s, z) => s + z, 0) / 784;
      let uv = 0;
      let uu = 0;
      let vv = 0;
      for (let p = 0; p < 784; p++) {
        uv += (u[p]! - mu) * (v[p]! - mv);
        uu += (u[p]! - mu) ** 2;
        vv += (v[p]! - mv) ** 2;
      }
      expect(uv / Math.sqrt(uu * vv)).toBeGreaterThan(0.8);
    }
  });
});
