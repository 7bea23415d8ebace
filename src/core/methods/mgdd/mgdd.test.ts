import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeConvNet, initConvNet, type ConvNetShape } from '../../nn/convnet';
import { finiteDifference, relativeError, useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';
import { DistillRun, stepTo } from '../../run/run';
import { pixelsSha256 } from '../../data/sha256';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { MGDD_SETTINGS_DEFAULTS } from '../../../shared/method-info/mgdd';
import type { RealData } from '../../data/batches';
import { Rng } from '../../rng';
import type { Cached, MethodCache } from '../method';
import { targets } from '../krr/krr';
import { classPlanes, OUTPUT_INIT_SCALE, flattenGenerator, generate, generatorSize, initGenerator, unflattenGenerator, type GeneratorShape } from './generator';
import { adamStep, disposeTaskInput, initAdam, disposeAdam, metaTrain, randomFeatures, taskInput, taskLoss } from './mgdd';

const small: ConvNetShape = { input: [8, 8, 1], classes: 3, width: 4, depth: 2 };
const gSmall: GeneratorShape = { channels: 1, classes: 3, width: 4 };

describe('MGDD generator and task loss (cpu: finite differences need its precision)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('G maps [N, H, W, C] to the same shape, starts near the identity, and its weights round-trip through a flat array', async () => {
    const before = tf.memory().numTensors;
    const params = initGenerator(gSmall, 5);
    expect(params.map((p) => p.shape)).toEqual([[3, 3, 4, 4], [4], [3, 3, 4, 4], [4], [3, 3, 4, 1], [1]]);
    const x0 = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const planes = classPlanes([0, 0, 1, 1, 2, 2], 3, 8, 8);
    const out = generate(params, x0, planes);
    expect(out.shape).toEqual([6, 8, 8, 1]);
    // The residual's last layer starts at a tenth of PyTorch's initial scale: G(x0) is x0 plus a small correction.
    const rel = tf.tidy(() => tf.div(tf.norm(tf.sub(out, x0)), tf.norm(x0)).dataSync()[0]!);
    expect(rel).toBeGreaterThan(0);
    expect(rel).toBeLessThan(0.2);
    const flat = await flattenGenerator(params);
    expect(flat.length).toBe(generatorSize(gSmall));
    const back = unflattenGenerator(gSmall, flat);
    expect(Array.from(await flattenGenerator(back))).toEqual(Array.from(flat));
    expect(() => unflattenGenerator(gSmall, flat.subarray(1))).toThrow(/generator/);
    // The same seed, the same weights.
    const again = initGenerator(gSmall, 5);
    expect(Array.from(await flattenGenerator(again))).toEqual(Array.from(flat));
    tf.dispose([...params, ...back, ...again, x0, planes, out]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the task loss has the right gradient w.r.t. every generator tensor (finite differences)', () => {
    const before = tf.memory().numTensors;
    // One block: the random networks' ReLUs and instance norms make the loss sharply curved, and finite
    // differences agree only at small steps (the error falls with the step: 8% at 3e-2, 2% at 1e-3 on b1).
    const flat: ConvNetShape = { ...small, depth: 1 };
    const nets = [initConvNet(flat, 1), initConvNet(flat, 2)];
    // The last layer at PyTorch's full scale (not G's small start), so the earlier layers' gradients stand well
    // above float32's rounding in the finite differences.
    const init = initGenerator(gSmall, 3);
    const params = init.map((p, i) => (i === 4 ? tf.mul(p, 1 / OUTPUT_INIT_SCALE) : tf.clone(p)));
    tf.dispose(init);
    const x0 = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const task = taskInput(x0, 2, 3);
    const xr = tf.randomNormal([9, 8, 8, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
    const phiR = randomFeatures(flat, nets, xr);
    const yr = targets([0, 1, 2, 0, 1, 2, 0, 1, 2], 3);
    // A large ridge keeps the Newton–Schulz solve well conditioned, so its float32 rounding stays small too.
    const grads = tf.grads((...ps: tf.Tensor[]) => taskLoss(flat, nets, ps, task, phiR, yr, 1))(params);
    params.forEach((p, k) => {
      const f = (v: tf.Tensor) => taskLoss(flat, nets, params.map((q, j) => (j === k ? v : q)), task, phiR, yr, 1);
      const analytic = grads[k]!.dataSync() as Float32Array;
      const probes = Array.from({ length: Math.min(8, p.size) }, (_, i) => Math.floor((i * p.size) / Math.min(8, p.size)));
      const err = relativeError(finiteDifference(f, p, analytic, probes, 1e-3));
      expect(err, `tensor ${k}`).toBeLessThan(5e-2);
    });
    nets.forEach(disposeConvNet);
    tf.dispose([...params, ...grads, x0, xr, phiR, yr]);
    disposeTaskInput(task);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Adam: the first step moves each weight by lr against its gradient’s sign; the moments are kept, the old tensors freed', async () => {
    const before = tf.memory().numTensors;
    const p = [tf.tensor1d([1, 2, 3]), tf.tensor2d([[0.5, -0.5]])];
    const g = [tf.tensor1d([0.3, -2, 1e-3]), tf.tensor2d([[-4, 0.01]])];
    const state = initAdam(p);
    const next = adamStep(p, g, state, 0.1, 0.9);
    expect(Array.from(await next[0]!.data())).toEqual([0.9, 2.1, 2.9].map((v) => expect.closeTo(v, 4)));
    expect(Array.from(await next[1]!.data())).toEqual([0.6, -0.6].map((v) => expect.closeTo(v, 4)));
    expect(state.t).toBe(1);
    expect(Array.from(await state.m[0]!.data())).toEqual([0.03, -0.2, 1e-4].map((v) => expect.closeTo(v, 5)));
    tf.dispose([...next, ...g]);
    disposeAdam(state);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** A small MGDD run config on MNIST. */
function smallConfig(over: Partial<RunConfig> = {}): RunConfig {
  return {
    ...DEFAULT_RUN_CONFIG,
    method: 'mgdd',
    ...METHODS.mgdd.defaults,
    ipc: 2,
    iterations: 6,
    width: 8,
    depth: 2,
    realPerClass: 8,
    init: 'real',
    dsa: false,
    seed: 4,
    mgdd: { ...MGDD_SETTINGS_DEFAULTS, metaTasks: 3, maxIpc: 3, metaReal: 4, genWidth: 8 },
    ...over,
  };
}

/** A one-entry cache like the worker's. */
function oneEntryCache(): MethodCache & { entries: Map<string, Cached> } {
  const entries = new Map<string, Cached>();
  return {
    entries,
    get: (k) => entries.get(k),
    set: (k, v) => {
      for (const e of entries.values()) e.dispose();
      entries.clear();
      entries.set(k, v);
    },
  };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`an MGDD run on ${backend} (MNIST, 20 images per class)`, () => {
    let data: RealData;
    beforeAll(async () => {
      await useBackend(backend);
      data = mnistSubset(20);
    });

    it('the same seed gives the same syntheticSha256; the tensor count stays flat across iterations; nothing leaks', async () => {
      const before = tf.memory().numTensors;
      const hashes: string[] = [];
      for (let r = 0; r < 2; r++) {
        // cpu is slow here (plain JS convolutions): a smaller network, generator and task.
        const cfg =
          backend === 'cpu'
            ? smallConfig({ ipc: 1, iterations: 3, width: 4, depth: 1, realPerClass: 2, mgdd: { ...MGDD_SETTINGS_DEFAULTS, metaTasks: 1, maxIpc: 1, metaReal: 2, genWidth: 2 } })
            : smallConfig();
        const run = new DistillRun(data, cfg);
        const messages: string[] = [];
        await run.prepare(undefined, (m) => void messages.push(m));
        const n = cfg.mgdd!.metaTasks;
        expect(messages).toContain(`meta-training generator: task ${n} of ${n}`);
        const counts: number[] = [];
        await stepTo(run, cfg.iterations, () => void counts.push(tf.memory().numTensors));
        expect(counts.at(-1)).toBe(counts[1]);
        hashes.push(await pixelsSha256(await run.pixels()));
        run.dispose();
      }
      expect(hashes[1]).toBe(hashes[0]);
      expect(tf.memory().numTensors).toBe(before);
    }, 30_000);

    if (backend === 'wasm') {
      it('a second run at another IPC takes the generator from the cache (no meta-training) and reports its cost; cancelling leaks nothing', async () => {
        const before = tf.memory().numTensors;
        const cache = oneEntryCache();
        const first = new DistillRun(data, smallConfig());
        await first.prepare(cache, () => {});
        const r1 = await first.method.readouts!();
        expect(r1).toMatchObject({ metaTasks: 3, metaReused: 0 });
        expect(r1.metaSeconds).toBeGreaterThan(0);
        tf.dispose(first.step());
        first.dispose();
        const second = new DistillRun(data, smallConfig({ ipc: 5 }));
        const messages: string[] = [];
        await second.prepare(cache, (m) => void messages.push(m));
        expect(messages.filter((m) => m.startsWith('meta-training'))).toEqual([]);
        expect(await second.method.readouts!()).toMatchObject({ metaTasks: 3, metaReused: 1 });
        tf.dispose(second.step());
        expect((await second.pixels()).length).toBe(10 * 5 * 28 * 28);
        second.dispose();
        expect(METHODS.mgdd.describeReadouts({ metaTasks: 3, metaSeconds: 1.5, metaReused: 1 })).toMatch(/meta-trained on 3 tasks in 1.5 s \(reused/);
        for (const e of cache.entries.values()) e.dispose();
        expect(tf.memory().numTensors).toBe(before);

        // Cancelled during meta-training (the progress callback throws): nothing is left behind.
        const cancelled = new DistillRun(data, smallConfig({ mgdd: { ...MGDD_SETTINGS_DEFAULTS, metaTasks: 5, maxIpc: 2, metaReal: 2, genWidth: 4 } }));
        await expect(
          cancelled.prepare(undefined, (m) => {
            if (m === 'meta-training generator: task 2 of 5') throw new Error('cancelled');
          }),
        ).rejects.toThrow('cancelled');
        cancelled.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }, 30_000);

      it('meta-training is deterministic in its stream and its settings change the generator', async () => {
        const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 4, depth: 1 };
        const cfg = { tasks: 2, innerSteps: 1, innerLr: 0.01, metaLr: 0.003, beta1: 0.9, maxIpc: 2, realPerClass: 2, width: 4, models: 1, ridge: 0.1 };
        const a = await metaTrain(net, data, cfg, new Rng(1));
        const b = await metaTrain(net, data, cfg, new Rng(1));
        const c = await metaTrain(net, data, { ...cfg, metaLr: 0.01 }, new Rng(1));
        const [fa, fb, fc] = await Promise.all([a, b, c].map((m) => flattenGenerator(m.params)));
        expect(Array.from(fb!)).toEqual(Array.from(fa!));
        expect(Array.from(fc!)).not.toEqual(Array.from(fa!));
        expect(a.tasks).toBe(2);
        [a, b, c].forEach((m) => tf.dispose(m.params));
      }, 30_000);
    }
  });
}
