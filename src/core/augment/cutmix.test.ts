import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../testing/tf';
import { Rng } from '../rng';
import { cutMixImages, cutMixTargets, drawCutMix } from './cutmix';

describe('CutMix (IDC evaluation augmentation)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('mixes about p of the batches; each box lies in the image, its ratio is the share outside it, perm is a permutation', () => {
    const rng = new Rng(3);
    let mixed = 0;
    const ratios: number[] = [];
    for (let t = 0; t < 400; t++) {
      const d = drawCutMix(rng, 8, 28, 28);
      if (!d) continue;
      mixed++;
      expect(0 <= d.y0 && d.y0 <= d.y1 && d.y1 <= 28 && 0 <= d.x0 && d.x0 <= d.x1 && d.x1 <= 28).toBe(true);
      expect(d.ratio).toBeCloseTo(1 - ((d.y1 - d.y0) * (d.x1 - d.x0)) / (28 * 28), 10);
      expect([...d.perm].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      ratios.push(d.ratio);
    }
    expect(mixed).toBeGreaterThan(160);
    expect(mixed).toBeLessThan(240);
    // λ ~ U(0, 1): boxes of every size, so the kept share spreads over (0, 1].
    expect(Math.min(...ratios)).toBeLessThan(0.3);
    expect(Math.max(...ratios)).toBeGreaterThan(0.9);
    expect(drawCutMix(new Rng(1), 8, 28, 28, 0)).toBeNull();
    expect(drawCutMix(new Rng(1), 8, 28, 28, 1)).not.toBeNull();
  });

  it('pastes the box from the permuted image and mixes the targets by area; rows still sum to 1; no leaks', () => {
    const n = 4;
    const H = 6;
    const W = 5;
    // Image i is filled with the value i + 1; targets are one-hot on class i.
    const x = tf.tensor4d(Float32Array.from({ length: n * H * W }, (_, j) => Math.floor(j / (H * W)) + 1), [n, H, W, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), n) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const d = { perm: Int32Array.from([2, 0, 3, 1]), y0: 1, y1: 4, x0: 2, x1: 5, ratio: 1 - 9 / 30 };
    const mx = cutMixImages(x, d);
    const my = cutMixTargets(y, d);
    const px = mx.arraySync();
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < H; r++) {
        for (let c = 0; c < W; c++) {
          const inBox = r >= 1 && r < 4 && c >= 2 && c < 5;
          expect(px[i]![r]![c]![0]).toBe(inBox ? d.perm[i]! + 1 : i + 1);
        }
      }
    }
    const t = my.arraySync();
    for (let i = 0; i < n; i++) {
      expect(t[i]![i]).toBeCloseTo(0.7, 6);
      expect(t[i]![d.perm[i]!]).toBeCloseTo(0.3, 6);
      expect(t[i]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    tf.dispose([mx, my]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => cutMixImages(x, { ...d, perm: Int32Array.from([0, 1]) })).toThrow(/permutation of 2 for a batch of 4/);
    expect(() => cutMixTargets(y, { ...d, perm: Int32Array.from([0, 1]) })).toThrow(/permutation of 2 for a batch of 4/);
    tf.dispose([x, y]);
  });
});
