import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { clusterRepresentatives, kmeans } from './kmeans';
import { kmeansSensitivity, leverageScores, normalise, sampleByImportance, spdInverse } from './importance';
import { Rng } from '../rng';
import { embedFirstOrder, initConvNet, disposeConvNet } from '../nn/convnet';
import { gatherBatch } from '../data/batches';
import { useBackend } from '../../testing/tf';
import { mnistSubset } from '../../testing/data';

/** n points around each of the given centres, Gaussian noise of std `sd`, deterministic. */
function blobs(centres: number[][], n: number, sd: number, rng: Rng): { x: number[][]; label: number[] } {
  const x: number[][] = [];
  const label: number[] = [];
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  centres.forEach((c, k) => {
    for (let i = 0; i < n; i++) {
      x.push(c.map((v) => v + sd * gauss()));
      label.push(k);
    }
  });
  return { x, label };
}

describe('k-means on tensors (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('recovers well-separated blobs exactly, with centres at the blob means, in small chunks', async () => {
    const truth = [
      [0, 0, 0],
      [10, 0, 0],
      [0, 10, 0],
      [0, 0, 10],
    ];
    const { x, label } = blobs(truth, 50, 0.5, new Rng(1));
    const xt = tf.tensor2d(x);
    const start = tf.memory().numTensors;
    const r = await kmeans(xt, 4, new Rng(2), { chunk: 37 });
    expect(tf.memory().numTensors).toBe(start);
    // Each true blob maps to exactly one cluster and vice versa.
    const map = new Map<number, number>();
    label.forEach((l, i) => {
      const c = r.assign[i]!;
      if (!map.has(l)) map.set(l, c);
      expect(map.get(l)).toBe(c);
    });
    expect(new Set(map.values()).size).toBe(4);
    expect(Array.from(r.sizes)).toEqual([50, 50, 50, 50]);
    truth.forEach((t, l) => {
      const c = map.get(l)!;
      t.forEach((v, j) => expect(Math.abs(r.centres[c * 3 + j]! - v)).toBeLessThan(0.3));
    });
    // dist2 is the squared distance to the assigned centre.
    const i = 17;
    const c = r.assign[i]!;
    const d2 = x[i]!.reduce((s, v, j) => s + (v - r.centres[c * 3 + j]!) ** 2, 0);
    expect(r.dist2[i]).toBeCloseTo(d2, 3);
    xt.dispose();
  });

  it('k = 1: one centre at the mean', async () => {
    const xt = tf.tensor2d([[0, 0], [2, 0], [4, 6]]);
    const r = await kmeans(xt, 1, new Rng(1));
    expect(Array.from(r.centres)).toEqual([2, 2]);
    expect(Array.from(r.sizes)).toEqual([3]);
    xt.dispose();
  });

  it('is deterministic in its seed, and its representatives are distinct cluster members nearest their centres', async () => {
    const { x } = blobs([[0, 0], [5, 5], [0, 5]], 30, 1.5, new Rng(3));
    const xt = tf.tensor2d(x);
    const a = await kmeans(xt, 5, new Rng(9));
    const b = await kmeans(xt, 5, new Rng(9));
    expect(Array.from(a.assign)).toEqual(Array.from(b.assign));
    const reps = clusterRepresentatives(a);
    expect(new Set(reps).size).toBe(5);
    reps.forEach((p, c) => {
      expect(a.assign[p]).toBe(c);
      for (let i = 0; i < x.length; i++) if (a.assign[i] === c) expect(a.dist2[p]).toBeLessThanOrEqual(a.dist2[i]!);
    });
    xt.dispose();
  });

  it('weighted: centres are weighted means, integer weights act as repeated points, zero weights are ignored', async () => {
    const xt = tf.tensor2d([[0, 0], [3, 0], [100, 0], [103, 0]]);
    const r = await kmeans(xt, 2, new Rng(1), { weights: [1, 2, 0, 5] });
    const left = r.assign[0]!;
    const right = r.assign[3]!;
    expect(left).not.toBe(right);
    expect(r.centres[left * 2]).toBeCloseTo(2, 5); // (0·1 + 3·2) / 3
    expect(r.centres[right * 2]).toBeCloseTo(103, 5); // the weight-0 point does not pull it
    // Weight 3 on a point = that point three times.
    const { x } = blobs([[0, 0], [6, 6]], 12, 2, new Rng(5));
    const w = x.map((_, i) => (i % 4 === 0 ? 3 : 1));
    const rep = x.flatMap((p, i) => Array.from({ length: w[i]! }, () => p));
    const [xa, xb] = [tf.tensor2d(x), tf.tensor2d(rep)];
    const a = await kmeans(xa, 2, new Rng(2), { weights: w, init: 'random' });
    const b = await kmeans(xb, 2, new Rng(2), { init: 'random' });
    const sorted = (c: Float32Array) => [Array.from(c.slice(0, 2)), Array.from(c.slice(2))].sort((p, q) => p[0]! - q[0]!).flat();
    const ca = sorted(a.centres);
    // Both converge to the same two-cluster split, so the same centres (seeds may differ: compare as sets).
    sorted(b.centres).forEach((v, i) => expect(ca[i]).toBeCloseTo(v, 3));
    await expect(kmeans(xt, 2, new Rng(1), { weights: [1, 2] })).rejects.toThrow(/2 weights for 4 points/);
    tf.dispose([xt, xa, xb]);
  });

  it('clusters real MNIST features: k-means lowers the k-means++ seeds’ cost, and digits of a cluster mostly agree', async () => {
    const data = mnistSubset(30);
    const net = { input: [28, 28, 1] as const, classes: 10, width: 16, depth: 3 };
    const params = initConvNet(net, 5);
    const feats = tf.tidy(() => embedFirstOrder(net, params, gatherBatch(data, Array.from({ length: 300 }, (_, i) => i))));
    const seeds = await kmeans(feats, 10, new Rng(4), { iterations: 0 });
    const fitted = await kmeans(feats, 10, new Rng(4), { iterations: 50 });
    const cost = (r: { dist2: Float32Array }) => r.dist2.reduce((s, v) => s + v, 0);
    expect(cost(fitted)).toBeLessThan(cost(seeds));
    // Purity: the share of images whose cluster's majority digit is theirs, well above chance (0.1).
    let agree = 0;
    for (let c = 0; c < 10; c++) {
      const counts = new Array<number>(10).fill(0);
      fitted.assign.forEach((a, i) => {
        if (a === c) counts[data.set.labels[i]!]!++;
      });
      agree += Math.max(...counts);
    }
    expect(agree / 300).toBeGreaterThan(0.5);
    disposeConvNet(params);
    feats.dispose();
  });
});

describe('importance sampling', () => {
  it('the k-means sensitivity formula on a hand-made example', () => {
    // Two clusters: {0, 1, 2} and {3}; squared distances 1, 0, 3 and 0 (Σ = 4).
    const s = kmeansSensitivity({ assign: Int32Array.from([0, 0, 0, 1]), dist2: Float32Array.from([1, 0, 3, 0]), sizes: Int32Array.from([3, 1]) });
    expect(Array.from(s)).toEqual([1 / 4 + 1 / 3, 0 + 1 / 3, 3 / 4 + 1 / 3, 0 + 1]);
    expect(Array.from(normalise([1, 3]))).toEqual([0.25, 0.75]);
  });

  it('first draws follow π over many seeded draws, m draws are distinct, and weights are 1/(m·π)', () => {
    const pi = [0.1, 0.2, 0.3, 0.4];
    const rng = new Rng(11);
    const counts = [0, 0, 0, 0];
    const trials = 20000;
    for (let t = 0; t < trials; t++) counts[sampleByImportance(pi, 1, rng).indices[0]!]!++;
    counts.forEach((c, i) => expect(Math.abs(c / trials - pi[i]!)).toBeLessThan(0.01));
    const s = sampleByImportance(pi, 3, new Rng(12));
    expect(new Set(s.indices).size).toBe(3);
    s.indices.forEach((i, j) => expect(s.weights[j]).toBeCloseTo(1 / (3 * pi[i]!), 12));
    // Zero-probability points are drawn only once the others are used up.
    expect(Array.from(sampleByImportance([0, 1, 0], 1, new Rng(1)).indices)).toEqual([1]);
    expect(new Set(sampleByImportance([0, 1, 0], 3, new Rng(1)).indices).size).toBe(3);
  });

  it('ridge leverage scores equal the closed form, and an outlier direction scores highest', async () => {
    await useBackend('cpu');
    // Five points along x, one alone along y: the lone one carries its direction alone (τ near 1).
    const rows = [[1, 0], [1.1, 0], [0.9, 0], [1, 0.01], [1.05, 0], [0, 1]];
    const phi = tf.tensor2d(rows);
    const tau = await leverageScores(phi, 1e-6);
    expect(tau[5]).toBeGreaterThan(0.99);
    expect(Math.max(...Array.from(tau.subarray(0, 5)))).toBeLessThan(0.5);
    // Σ τ_i = trace(Φ(ΦᵀΦ+λI)⁻¹Φᵀ) ≈ rank = 2 for tiny λ.
    expect(tau.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 3);
    const inv = spdInverse(Float64Array.from([4, 2, 2, 3]), 2);
    expect(Array.from(inv).map((v) => +v.toFixed(12))).toEqual([0.375, -0.25, -0.25, 0.5]);
    phi.dispose();
  });
});
