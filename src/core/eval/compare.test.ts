import { beforeAll, describe, expect, it } from 'vitest';
import { loadReal, mnistSubset } from '../../testing/data';
import type { RealData } from '../data/batches';
import { initReal } from '../init';
import { Rng } from '../rng';
import { EVAL_DEFAULTS } from './evaluate';
import { compareWithBaselines, coresetFeatures, evaluateSets } from './compare';
import { useBackend } from '../../testing/tf';

const tiny = { ...EVAL_DEFAULTS, epochs: 2, models: 1, width: 8, testLimit: 100, seed: 2 };

describe('evaluateSets (real MNIST, wasm)', () => {
  let train: RealData;
  let test: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    test = loadReal('mnist').test;
    // 40 images per class keep the coreset features quick.
    train = mnistSubset(40);
  });

  it('gives compareWithBaselines numbers for any subset of the sets, with or without shared features', async () => {
    const distilled = initReal(train, 2, new Rng(9)).pixels;
    const all = await compareWithBaselines(distilled, 2, train, test, tiny);
    const base = await evaluateSets(['random', 'kCenter'], null, 2, train, test, tiny);
    const shared = await evaluateSets(['herding'], null, 2, train, test, tiny, undefined, await coresetFeatures(train, tiny));
    const mine = await evaluateSets(['distilled'], distilled, 2, train, test, tiny);
    expect(Object.keys(base.results)).toEqual(['random', 'kCenter']);
    expect({ ...base.results, ...shared.results, ...mine.results }).toEqual(all.results);
    expect(mine.testImages).toBe(all.testImages);
    await expect(evaluateSets(['distilled'], null, 2, train, test, tiny)).rejects.toThrow(/not given/);
  });
});
