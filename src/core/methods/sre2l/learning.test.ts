import { describe, expect, it, beforeAll } from 'vitest';
import { DistillRun } from '../../run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { SRE2L_SETTINGS_DEFAULTS } from '../../../shared/method-info/sre2l';
import { useBackend } from '../../../testing/tf';
import { loadReal } from '../../../testing/data';
import { EVAL_DEFAULTS, evaluateSet } from '../../eval/evaluate';
import { INITIALISERS } from '../../init';
import { Rng } from '../../rng';
import type { RealData } from '../../data/batches';

describe('SRe2L + DWA learns on real MNIST (wasm, IPC 1)', () => {
  let train: RealData;
  let test: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    ({ train, test } = loadReal('mnist'));
  });

  it('the recover loss falls, and the set with its soft labels (a stated variant) beats random real images under the same evaluation', async () => {
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      method: 'sre2l',
      ...METHODS.sre2l.defaults,
      dwa: true,
      ipc: 1,
      iterations: 100,
      width: 16,
      init: 'real',
      dsa: false,
      seed: 1,
      sre2l: { ...SRE2L_SETTINGS_DEFAULTS, teacherEpochs: 1, teacherImages: 4000, temperature: 4 },
    };
    const run = new DistillRun(train, config);
    await run.prepare();
    const losses: number[] = [];
    while (run.iteration < config.iterations) {
      const l = run.step();
      losses.push((await l.data())[0]!);
      l.dispose();
    }
    const pixels = await run.pixels();
    const soft = (await run.learnedLabels())!.values;
    run.dispose();
    const labels = Int32Array.from({ length: 10 }, (_, i) => i);
    const shape = [28, 28, 1] as const;
    const ev = { ...EVAL_DEFAULTS, epochs: 100, models: 2, width: 16, testLimit: 1000, seed: 1 };
    const distilledSoft = await evaluateSet({ pixels, labels, shape, soft }, test, { ...ev, labels: 'soft' });
    const distilledHard = await evaluateSet({ pixels, labels, shape }, test, { ...ev, labels: 'hard' });
    const random = await evaluateSet({ pixels: INITIALISERS.real(train, 1, new Rng(5)).pixels, labels, shape }, test, { ...ev, labels: 'hard' });
    console.log(
      `SRe2L+DWA MNIST IPC 1 (teacher width 16, 1 epoch x 4000 images; 100 iterations): loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}; ` +
        `accuracy (2 ConvNets, 100 epochs, 1000 test images): soft labels T=4 ${(distilledSoft.mean * 100).toFixed(1)} %, hard ${(distilledHard.mean * 100).toFixed(1)} %, random real ${(random.mean * 100).toFixed(1)} %`,
    );
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 4);
    expect(distilledSoft.mean).toBeGreaterThan(random.mean);
  }, 900_000);
});
