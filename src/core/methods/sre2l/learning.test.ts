import { describe, expect, it, beforeAll } from 'vitest';
import { DistillRun, stepTo } from '../../run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { SRE2L_SETTINGS_DEFAULTS } from '../../../shared/method-info/sre2l';
import { useBackend } from '../../../testing/tf';
import { loadReal } from '../../../testing/data';
import type { RealData } from '../../data/batches';
import { EVAL_DEFAULTS, evaluateSet, type EvalConfig } from '../../eval/evaluate';

// What the set is worth (accuracy with hard and soft labels beside random real images, and against DM at the same
// budget) is measured by `npm run bench:methods` (bench/results/methods.md): at IPC 1 on MNIST its margin over random
// real images is a point or two, too small and too slow (about 3 minutes here) for a test that must never flake.
// Measured at a test-sized scale too (2026-12-05: teacher 2 epochs × 10,000 images, 100 iterations, width 16,
// 3 networks × 100 epochs, 1,000 test images; seeds 1, 2, 3): hard labels 59.2 / 47.2 / 49.1 % against random real
// 54.7 / 43.4 / 49.1 %, its T = 4 soft labels 57.4 / 41.5 / 49.5 %: no margin to assert. Two changes tried
// (2026-12-05, same scale, seeds 3 and 2; random real 49.1 / 43.4 %): 300 iterations instead of 100 made it worse
// (45.7 / 41.8 %), and image learning rate 0.02 instead of 0.25 did not help (48.6 / 44.3 %).
// Under SRe2L's own evaluation, relabelling (the teacher's targets on every augmented training batch, DSA on;
// EvalConfig.relabel), over the same starting real images relabelled by the same teacher, the margin is clear
// (against the random baseline's own draw of real images it is not: bench/results/methods.md, last section). This test's
// scale (below; 2026-12-05, seeds 1 / 2 / 3, 3 networks × 60 epochs, 1,000 test images): 54.6 / 38.7 / 39.3 %
// against random real 46.0 / 31.9 / 34.1 %, every paired network higher. At the earlier scale (teacher 2 × 10,000,
// 100 iterations, 100 epochs): 64.1 / 51.2 / 59.8 % against 57.0 / 43.9 / 57.5 %.
describe('SRe2L + DWA learns on real MNIST (wasm, IPC 1)', () => {
  let train: RealData;
  let test: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    ({ train, test } = loadReal('mnist'));
  });

  it('the recover loss falls to under a quarter of its start, with DWA on, from real images; relabelled by its teacher, the set beats the same real images relabelled', async () => {
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      method: 'sre2l',
      ...METHODS.sre2l.defaults,
      dwa: true,
      ipc: 1,
      iterations: 40,
      width: 16,
      realPerClass: 32,
      init: 'real',
      dsa: false,
      seed: 1,
      sre2l: { ...SRE2L_SETTINGS_DEFAULTS, teacherEpochs: 1, teacherImages: 2000, temperature: 4 },
    };
    const run = new DistillRun(train, config);
    await run.prepare();
    const losses: number[] = [];
    await stepTo(run, config.iterations, (p) => void losses.push(p.loss));
    const soft = (await run.learnedLabels())!.values;
    // SRe2L's evaluation: the teacher relabels every augmented training batch; the run's starting images (random
    // real, one per class) under exactly the same protocol and networks.
    const labels = Int32Array.from({ length: 10 }, (_, i) => i);
    const cfg: EvalConfig = { ...EVAL_DEFAULTS, epochs: 60, models: 3, width: 16, testLimit: 1000, seed: 1, dsa: true, dsaFlip: false, relabel: run.relabeler()! };
    const set = await evaluateSet({ pixels: await run.pixels(), labels, shape: [28, 28, 1] }, test, cfg);
    const random = await evaluateSet({ pixels: run.initial.pixels, labels, shape: [28, 28, 1] }, test, cfg);
    run.dispose();
    console.log(`relabelled by the teacher (DSA on, 3 networks x 60 epochs): set ${set.runs.join(' / ')} against random real ${random.runs.join(' / ')}`);
    expect(set.mean).toBeGreaterThan(random.mean + 0.03);
    set.runs.forEach((r, i) => expect(r).toBeGreaterThan(random.runs[i]!));
    console.log(`SRe2L+DWA MNIST IPC 1 (teacher width 16, 1 epoch x 2000 images; 40 iterations): loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}`);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 4);
    // The relabelled targets: one distribution per image, each summing to 1.
    expect(soft.length).toBe(10 * 10);
    for (let i = 0; i < 10; i++) expect(soft.slice(i * 10, i * 10 + 10).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 4);
  }, 300_000);
});
