import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { paramList, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy } from '../../nn/losses';
import { paramsFromList } from '../../nn/train';
import { finiteDifference, relativeError, useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';
import { DistillRun, stepTo } from '../../run/run';
import { pixelsSha256 } from '../../data/sha256';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { SRE2L_SETTINGS_DEFAULTS } from '../../../shared/method-info/sre2l';
import type { RealData } from '../../data/batches';
import { bnForward, disposeTeacher, initTeacher, teacherStep, TEACHER_SGD } from './teacher';
import { directedAdjustment, recoverLoss, roll2d } from './sre2l';

const small: ConvNetShape = { input: [8, 8, 1], classes: 3, width: 4, depth: 2 };

/** A small teacher with non-trivial running statistics (a few training steps on random data). */
function trainedSmallTeacher() {
  const t = initTeacher(small, 3);
  let vel = paramList(t.params).map((p) => tf.zerosLike(p));
  const x = tf.randomNormal([12, 8, 8, 1], 0.5, 1.5, 'float32', 4) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'), 3) as tf.Tensor2D;
  for (let i = 0; i < 5; i++) {
    const r = teacherStep(small, t, vel, x, y, TEACHER_SGD);
    vel = r.velocity;
    r.loss.dispose();
  }
  tf.dispose([...vel, x, y]);
  return t;
}

const LOSS = { bnWeight: 0.5, firstBnMultiplier: 10, varWeight: 11 };

describe('SRe2L recover and DWA (cpu, small network)', () => {
  beforeAll(() => useBackend('cpu'));

  it("the recover loss's gradient w.r.t. the images matches central finite differences", () => {
    const t = trainedSmallTeacher();
    const y = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 3) as tf.Tensor2D;
    const x = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const f = (xx: tf.Tensor) => recoverLoss(small, t.params, t, xx as tf.Tensor4D, y, LOSS);
    const analytic = tf.grad(f)(x).dataSync() as Float32Array;
    const pairs = finiteDifference(f, x, analytic, [0, 9, 31, 64, 100, 150, 191], 2e-3);
    expect(relativeError(pairs)).toBeLessThan(5e-2);
    disposeTeacher(t);
    tf.dispose([x, y]);
  });

  it('the BN term is zero when the batch statistics equal the running ones, and grows with the first-layer multiplier', () => {
    const t = trainedSmallTeacher();
    const x = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 3) as tf.Tensor2D;
    const ce = tf.tidy(() => crossEntropy(bnForward(small, t.params, t.running, x, 'eval', true).logits, y).dataSync()[0]!);
    const noBn = tf.tidy(() => recoverLoss(small, t.params, t, x, y, { ...LOSS, bnWeight: 0 }).dataSync()[0]!);
    expect(noBn).toBeCloseTo(ce, 6);
    // Running statistics set to this batch's own moments: the BN term vanishes.
    // Layer l's moments depend on the statistics layers before it normalise with: take them twice (depth 2).
    const momentsWith = (running: typeof t.running) =>
      tf.tidy(() => bnForward(small, t.params, running, x, 'eval', true).moments.map((m) => ({ mean: tf.keep(m.mean), variance: tf.keep(m.variance) })));
    const once = momentsWith(t.running);
    const own = momentsWith(once);
    tf.dispose(once.flatMap((m) => [m.mean, m.variance]));
    const matched = { params: t.params, running: own };
    const zeroed = tf.tidy(() => recoverLoss(small, t.params, matched, x, y, LOSS).dataSync()[0]!);
    const ceOwn = tf.tidy(() => crossEntropy(bnForward(small, t.params, own, x, 'eval', true).logits, y).dataSync()[0]!);
    expect(zeroed).toBeCloseTo(ceOwn, 3);
    const a = tf.tidy(() => recoverLoss(small, t.params, t, x, y, LOSS).dataSync()[0]!);
    const b = tf.tidy(() => recoverLoss(small, t.params, t, x, y, { ...LOSS, firstBnMultiplier: 20 }).dataSync()[0]!);
    expect(b).toBeGreaterThan(a);
    tf.dispose([x, y, ...own.flatMap((m) => [m.mean, m.variance])]);
    disposeTeacher(t);
  });

  it('roll2d is torch.roll along height and width', () => {
    const x = tf.tensor4d(Array.from({ length: 12 }, (_, i) => i), [1, 3, 4, 1]);
    const r = roll2d(x, 1, 2).dataSync();
    // out[i][j] = x[(i − 1) mod 3][(j − 2) mod 4]
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(r[i * 4 + j]).toBe(((i + 2) % 3) * 4 + ((j + 2) % 4));
    x.dispose();
  });

  it('DWA: the adjustment has norm ρ, raises the loss on its real subset, and leaves the BN running statistics alone', () => {
    const t = trainedSmallTeacher();
    const runningBefore = t.running.map((r) => [r.mean.dataSync().slice(), r.variance.dataSync().slice()]);
    const x = tf.randomNormal([6, 8, 8, 1], 0.5, 1.5, 'float32', 7) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3) as tf.Tensor2D;
    const rho = 0.2;
    const adjusted = directedAdjustment(small, t, x, y, rho, 12);
    const base = paramList(t.params);
    const dist = Math.sqrt(adjusted.reduce((s, p, i) => s + tf.tidy(() => tf.sum(tf.square(tf.sub(p, base[i]!))).dataSync()[0]!), 0));
    // K steps of ρ/K each along (nearly) the same direction: a total distance of at most ρ, close to it.
    expect(dist).toBeLessThanOrEqual(rho * 1.0001);
    expect(dist).toBeGreaterThan(rho * 0.8);
    const lossOf = (ps: tf.Tensor[]) => tf.tidy(() => crossEntropy(bnForward(small, paramsFromList(t.params, ps), t.running, x, 'eval').logits, y).dataSync()[0]!);
    expect(lossOf(adjusted)).toBeGreaterThan(lossOf(base));
    t.running.forEach((r, i) => {
      expect(Array.from(r.mean.dataSync())).toEqual(Array.from(runningBefore[i]![0]!));
      expect(Array.from(r.variance.dataSync())).toEqual(Array.from(runningBefore[i]![1]!));
    });
    tf.dispose([...adjusted, x, y]);
    disposeTeacher(t);
  });
});

/** A small SRe2L run on MNIST: width 4, depth 2, 2 images per class, a teacher of 1 epoch on 200 images. */
function smallConfig(over: Partial<RunConfig> = {}): RunConfig {
  return {
    ...DEFAULT_RUN_CONFIG,
    method: 'sre2l',
    ...METHODS.sre2l.defaults,
    ipc: 2,
    iterations: 8,
    width: 4,
    depth: 2,
    init: 'noise',
    dsa: false,
    seed: 3,
    dwa: true,
    sre2l: { ...SRE2L_SETTINGS_DEFAULTS, teacherEpochs: 1, teacherImages: 200 },
    ...over,
  };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`an SRe2L + DWA run on ${backend} (MNIST, 20 images per class)`, () => {
    let data: RealData;
    beforeAll(async () => {
      await useBackend(backend);
      data = mnistSubset(20);
    });

    it('the same seed gives the same syntheticSha256; the tensor count stays flat across iterations; nothing leaks', async () => {
      const before = tf.memory().numTensors;
      const hashes: string[] = [];
      for (let r = 0; r < 2; r++) {
        // cpu is slow here: fewer teacher images, DWA steps and iterations.
        const cfg = backend === 'cpu' ? smallConfig({ iterations: 5, sre2l: { ...SRE2L_SETTINGS_DEFAULTS, teacherEpochs: 1, teacherImages: 64, dwaSteps: 2 } }) : smallConfig();
        const run = new DistillRun(data, cfg);
        const messages: string[] = [];
        await run.prepare(undefined, (m) => void messages.push(m));
        expect(messages).toContain('training teacher: epoch 1 of 1');
        const counts: number[] = [];
        await stepTo(run, cfg.iterations, () => void counts.push(tf.memory().numTensors));
        expect(counts.at(-1)).toBe(counts[1]);
        hashes.push(await pixelsSha256(await run.pixels()));
        run.dispose();
      }
      expect(hashes[1]).toBe(hashes[0]);
      expect(tf.memory().numTensors).toBe(before);
    }, 20_000);

    if (backend === 'wasm') {
      it('DWA changes the images; soft labels are distributions; diversity is reported per class; a checkpoint resumes to the same bytes', async () => {
        const straight = new DistillRun(data, smallConfig());
        await straight.prepare();
        for (let i = 0; i < 8; i++) tf.dispose(straight.step());
        const onBytes = await pixelsSha256(await straight.pixels());
        const soft = (await straight.learnedLabels())!.values;
        expect(soft.length).toBe(20 * 10);
        for (let r = 0; r < 20; r++) expect(soft.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        const readouts = await straight.method.readouts!();
        expect(Object.keys(readouts)).toHaveLength(11);
        for (const v of Object.values(readouts)) expect(v).toBeGreaterThan(0);
        // The relabeller (the evaluation's relabel protocol) is the same teacher: on the set's own images it gives
        // the soft labels; on other images, other distributions.
        const relabel = straight.relabeler()!;
        const images = tf.tensor4d(await straight.pixels(), [20, 28, 28, 1]);
        const own = relabel(images);
        expect(Array.from(await own.data())).toEqual(Array.from(soft));
        const shifted = tf.tidy(() => relabel(roll2d(images, 3, 3)));
        expect(Array.from(await shifted.data())).not.toEqual(Array.from(soft));
        tf.dispose([images, own, shifted]);

        const off = new DistillRun(data, smallConfig({ dwa: false }));
        await off.prepare();
        for (let i = 0; i < 8; i++) tf.dispose(off.step());
        expect(await pixelsSha256(await off.pixels())).not.toBe(onBytes);
        off.dispose();

        const first = new DistillRun(data, smallConfig());
        await first.prepare();
        for (let i = 0; i < 3; i++) tf.dispose(first.step());
        const cp = await first.checkpoint();
        first.dispose();
        expect(cp.sre2l?.second.length).toBe(20 * 28 * 28);
        const resumed = new DistillRun(data, smallConfig());
        resumed.restore(cp);
        await resumed.prepare();
        while (resumed.iteration < 8) tf.dispose(resumed.step());
        expect(await pixelsSha256(await resumed.pixels())).toBe(onBytes);
        resumed.dispose();
        straight.dispose();
      }, 30_000);
    }
  });
}
