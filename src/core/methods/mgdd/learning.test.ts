import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DistillRun, stepTo } from '../../run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { MGDD_SETTINGS_DEFAULTS } from '../../../shared/method-info/mgdd';
import { useBackend } from '../../../testing/tf';
import { loadReal } from '../../../testing/data';
import { gatherBatch, sampleClass, type RealData } from '../../data/batches';
import { disposeConvNet, initConvNet, type ConvNetShape } from '../../nn/convnet';
import { Rng } from '../../rng';
import { krrLossFromFeatures, targets } from '../krr/krr';
import { randomFeatures } from './mgdd';
import { EVAL_DEFAULTS, evaluateSet } from '../../eval/evaluate';

/** The task loss of a class-major set on fixed random networks and a fixed real batch (no noise between sets). */
function fixedLoss(net: ConvNetShape, data: RealData, pixels: Float32Array, ipc: number): number {
  const rng = new Rng(99);
  const nets = Array.from({ length: 4 }, () => initConvNet(net, rng.nextSeed()));
  const idx: number[] = [];
  const lab: number[] = [];
  for (let c = 0; c < 10; c++) {
    for (const i of Array.from(sampleClass(data, c, 50, rng))) {
      idx.push(i);
      lab.push(c);
    }
  }
  const loss = tf.tidy(() => {
    const xs = tf.tensor4d(pixels, [10 * ipc, 28, 28, 1]);
    const ys = targets(Array.from({ length: 10 * ipc }, (_, i) => Math.floor(i / ipc)), 10);
    return krrLossFromFeatures(randomFeatures(net, nets, gatherBatch(data, idx)), targets(lab, 10), randomFeatures(net, nets, xs), ys, 0.1).dataSync()[0]!;
  });
  nets.forEach(disposeConvNet);
  return loss;
}

describe('MGDD learns on real MNIST (wasm, IPC 1)', () => {
  let train: RealData;
  let test: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    ({ train, test } = loadReal('mnist'));
  });

  // Seeds 1-3 at this scale (measured before this test was written): the generated set 65.7 / 55.5 / 60.5 % against
  // 54.7 / 43.4 / 49.1 % for the random real images it started from (3 networks each, 1000 test images).
  it('the task loss falls below that of the random real set it started from, and the set beats it in test accuracy', async () => {
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      method: 'mgdd',
      ...METHODS.mgdd.defaults,
      ipc: 1,
      iterations: 100,
      width: 16,
      realPerClass: 32,
      init: 'real',
      dsa: false,
      seed: 1,
      mgdd: { ...MGDD_SETTINGS_DEFAULTS, metaTasks: 4 },
    };
    const run = new DistillRun(train, config);
    await run.prepare();
    const initial = run.initial.pixels;
    await stepTo(run, config.iterations);
    const pixels = await run.pixels();
    run.dispose();
    const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 16, depth: 3 };
    const before = fixedLoss(net, train, initial, 1);
    const after = fixedLoss(net, train, pixels, 1);
    expect(after).toBeLessThan(before);

    // The evaluation protocol at test scale (the same for both sets): 3 ConvNet-3 of width 16, 100 epochs, hard
    // labels, no DSA, the first 1000 test images.
    const labels = Int32Array.from({ length: 10 }, (_, i) => i);
    const cfg = { ...EVAL_DEFAULTS, epochs: 100, models: 3, width: 16, testLimit: 1000, seed: 1 };
    const generated = await evaluateSet({ pixels, labels, shape: [28, 28, 1] }, test, cfg);
    const random = await evaluateSet({ pixels: initial, labels, shape: [28, 28, 1] }, test, cfg);
    console.log(
      `MGDD MNIST IPC 1 (4 meta tasks, 100 adaptation steps, width 16): fixed task loss ${before.toFixed(4)} (random real) -> ${after.toFixed(4)}; ` +
        `accuracy ${(100 * generated.mean).toFixed(1)} ± ${(100 * generated.std).toFixed(1)} % against ${(100 * random.mean).toFixed(1)} ± ${(100 * random.std).toFixed(1)} % (random real)`,
    );
    expect(generated.mean).toBeGreaterThan(random.mean + 0.05);
  }, 180_000);
});
