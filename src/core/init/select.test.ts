import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initImportance, initKmeans, SELECT_INIT_DEFAULTS } from './select';
import { initReal } from '.';
import { prepareRealData, type RealData } from '../data/batches';
import { subsetImageSet } from '../data/load';
import { loadDatasetFromDir } from '../../node/datasets';
import { DistillRun } from '../run/run';
import { initialOf } from '../run/record';
import { DEFAULT_RUN_CONFIG } from '../../shared/protocol';
import { Rng } from '../rng';
import { datasetsDir, useBackend } from '../../testing/tf';
import { mnistSubset } from '../../testing/data';

const net = { input: [28, 28, 1] as const, classes: 10, width: 8, depth: 3 };

describe('selection initialisers on real MNIST (wasm)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(40);
  });

  it('kmeans: IPC distinct images of the right class, deterministic in the seed, no tensors left', async () => {
    const start = tf.memory().numTensors;
    const a = await initKmeans(data, 3, new Rng(1), net);
    expect(tf.memory().numTensors).toBe(start);
    const b = await initKmeans(data, 3, new Rng(1), net);
    expect(a.chosen.map((c) => Array.from(c))).toEqual(b.chosen.map((c) => Array.from(c)));
    a.chosen.forEach((idx, c) => {
      expect(new Set(idx).size).toBe(3);
      idx.forEach((i) => expect(data.set.labels[i]).toBe(c));
    });
    expect(a.pixels.length).toBe(30 * 28 * 28);
  });

  it('importance: probabilities sum to 1, weights are 1/(m·π), kernel leverage for KRR', async () => {
    for (const kernel of [false, true]) {
      const r = await initImportance(data, 4, new Rng(2), net, { ...SELECT_INIT_DEFAULTS, kernel });
      expect(r.importance).toHaveLength(10);
      r.importance!.forEach((ci, c) => {
        expect(ci.pi.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
        expect(new Set(ci.drawn).size).toBe(4);
        ci.drawn.forEach((p, j) => expect(ci.weights[j]).toBeCloseTo(1 / (4 * ci.pi[p]!), 9));
        expect(Array.from(r.chosen[c]!)).toEqual(Array.from(ci.drawn, (p) => ci.candidates[p]!));
      });
    }
  });

  it('importance, coreset variant: IPC distinct images of the class, each the nearest to a centre; weights are cluster masses', async () => {
    const start = tf.memory().numTensors;
    const r = await initImportance(data, 3, new Rng(4), net, { ...SELECT_INIT_DEFAULTS, draw: 'coreset' });
    expect(tf.memory().numTensors).toBe(start);
    const again = await initImportance(data, 3, new Rng(4), net, { ...SELECT_INIT_DEFAULTS, draw: 'coreset' });
    expect(r.chosen.map((c) => Array.from(c))).toEqual(again.chosen.map((c) => Array.from(c)));
    r.importance!.forEach((ci, c) => {
      expect(new Set(ci.drawn).size).toBe(3);
      r.chosen[c]!.forEach((i) => expect(data.set.labels[i]).toBe(c));
      // The coreset's weights estimate the candidates' count (Σ over draws of 1/(10m·π) → n in expectation):
      // the clusters' masses sum to it within sampling error.
      const total = ci.weights.reduce((s, w) => s + w, 0);
      expect(total).toBeGreaterThan(0.4 * ci.candidates.length);
      expect(total).toBeLessThan(2.5 * ci.candidates.length);
    });
  });

  it('importance keeps near-duplicates from crowding out the rest; random real does not', async () => {
    // One class: 60 copies of one digit and 12 different digits of the same class.
    const d = loadDatasetFromDir('mnist', datasetsDir());
    const zeros = prepareRealData(d.train, d.spec).byClass[0]!;
    const picks = [...new Array<number>(60).fill(zeros[0]!), ...Array.from(zeros.slice(1, 13))];
    const set = subsetImageSet(d.train, picks);
    const one = prepareRealData(set, { ...d.spec, classes: ['0'] });
    const copies = (chosen: Int32Array) => Array.from(chosen).filter((i) => i < 60).length;
    let imp = 0;
    let rnd = 0;
    for (let s = 0; s < 6; s++) {
      imp += copies((await initImportance(one, 5, new Rng(s), { ...net, classes: 1 }, { ...SELECT_INIT_DEFAULTS, features: 'pixels' })).chosen[0]!);
      rnd += copies(initReal(one, 5, new Rng(s)).chosen[0]!);
    }
    // 30 draws: uniform takes a copy 60/72 of the time (≈ 25); importance gives the copies' cluster ≈ 1/6 of the mass.
    expect(rnd).toBeGreaterThan(18);
    expect(imp).toBeLessThan(12);
  });

  it('a run with the importance init chooses its images in prepare() and records their weights', async () => {
    const config = { ...DEFAULT_RUN_CONFIG, init: 'importance' as const, ipc: 2, width: 8, realPerClass: 8, iterations: 1, initPool: 20 };
    const run = new DistillRun(data, config);
    expect(() => run.step()).toThrow(/prepare/);
    const messages: string[] = [];
    await run.prepare(undefined, (m) => {
      messages.push(m);
    });
    expect(messages.at(-1)).toBe('choosing the initial images by importance sampling: class 10 of 10');
    const rec = initialOf(run.initial)!;
    expect(rec.indices).toHaveLength(10);
    expect(rec.weights![0]).toHaveLength(2);
    // The synthetic images start as exactly the chosen real images.
    expect(Array.from((await run.pixels()).subarray(0, 784))).toEqual(Array.from(run.initial.pixels.subarray(0, 784)));
    tf.dispose(run.step());
    run.dispose();
  });
});
