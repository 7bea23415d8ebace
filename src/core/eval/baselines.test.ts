import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadReal, mnistSubset } from '../../testing/data';
import type { RealData } from '../data/batches';
import { initReal } from '../init';
import { Rng } from '../rng';
import { EVAL_DEFAULTS } from './evaluate';
import { compareWithBaselines, EVAL_SETS } from './compare';
import { BaselineCache, baselineKey } from './baselines';
import { useBackend } from '../../testing/tf';

const tiny = { ...EVAL_DEFAULTS, epochs: 2, models: 1, width: 4, testLimit: 100, seed: 5 };

describe('BaselineCache (real MNIST, wasm)', () => {
  let train: RealData;
  let test: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    test = loadReal('mnist').test;
    train = mnistSubset(30);
  });

  it('gives compareWithBaselines numbers, evaluates the baselines once per key, and leaks no tensors', async () => {
    const a = initReal(train, 1, new Rng(1)).pixels;
    const b = initReal(train, 1, new Rng(2)).pixels;
    const cache = new BaselineCache();
    const key = baselineKey('mnist', 1, tiny);
    const before = tf.memory().numTensors;
    const fractions: number[] = [];
    const tested: [string, number, number][] = [];
    const first = await cache.evaluate(key, a, 1, train, test, tiny, (p) => {
      fractions.push(p.fraction);
      if (p.accuracy !== undefined) tested.push([p.set, p.model, p.accuracy]);
    });
    expect(cache.computed).toBe(1);
    expect(first.results).toEqual((await compareWithBaselines(a, 1, train, test, tiny)).results);
    expect(fractions.at(-1)).toBeCloseTo(1);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    // Each network's accuracy comes once, as soon as it is tested: the numbers the result then holds.
    expect(tested).toEqual(EVAL_SETS.flatMap((n) => first.results[n]!.runs.map((x, m) => [n, m, x])));

    const second = await cache.evaluate(key, b, 1, train, test, tiny);
    expect(cache.computed).toBe(1);
    expect(second.results.random).toEqual(first.results.random);
    expect(second.results.distilled).toEqual((await compareWithBaselines(b, 1, train, test, tiny)).results.distilled);
    expect(tf.memory().numTensors).toBe(before);

    // Other settings are another key: evaluated afresh.
    const other = { ...tiny, epochs: 3 };
    expect(baselineKey('mnist', 1, other)).not.toBe(key);
    expect(baselineKey('mnist', 2, tiny)).not.toBe(key);
    expect(baselineKey('mnist', 1, { ...tiny, architecture: 'mlp' })).not.toBe(key);
    expect(baselineKey('fashion-mnist', 1, tiny)).not.toBe(key);
    // The same settings in another order are the same key.
    const { epochs, ...rest } = tiny;
    expect(baselineKey('mnist', 1, { ...rest, epochs })).toBe(key);
    // The baselines train on class labels under either label setting: a soft-label evaluation reuses them.
    expect(baselineKey('mnist', 1, { ...tiny, labels: 'soft' })).toBe(key);
    // Relabelled by a run's teacher, the baselines are that teacher's: no key could name it, so none is made.
    expect(() => baselineKey('mnist', 1, { ...tiny, labels: 'teacher', relabel: (x) => tf.zeros([x.shape[0], 10]) })).toThrow(/not cached/);
    await cache.evaluate(baselineKey('mnist', 1, other), a, 1, train, test, other);
    expect(cache.computed).toBe(2);
  });

  it('caches nothing when cancelled', async () => {
    const cache = new BaselineCache();
    const key = baselineKey('mnist', 1, tiny);
    const a = initReal(train, 1, new Rng(1)).pixels;
    await expect(
      cache.evaluate(key, a, 1, train, test, tiny, (p) => {
        if (p.set === 'herding') throw new Error('cancelled');
      }),
    ).rejects.toThrow('cancelled');
    expect(cache.has(key)).toBe(false);
  });
});
