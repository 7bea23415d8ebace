/** IDM's network pool for DM (./pool.ts): real training, determinism, resume, no leaks, the CE term's gradient. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { gatherBatch, type RealData } from '../../data/batches';
import { DistillRun, stepTo, type RunCheckpoint } from '../../run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { DM_POOL_DEFAULTS, estimateDmPoolBytes, type DmPoolSettings } from '../../../shared/method-info/dm';
import { estimateRunBytes } from '../../../shared/memory';
import { completeConfig } from '../../../shared/config';
import { pixelsSha256 } from '../../data/sha256';
import { finiteDifference, relativeError, useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';
import { Rng } from '../../rng';
import { initConvNet, disposeConvNet, embedFirstOrder, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy } from '../../nn/losses';
import { decode } from '../idc/multiformation';
import { createSyntheticState, disposeSyntheticState, dmStep, DM_DEFAULTS } from './dm';
import { NetworkPool } from './pool';
import type { DmRunMethod } from './plugin';

/** Finite-difference step: float32 losses of ~10 lose digits below it; ReLU kinks above it. */
const EPS = 3e-3;
const pool = (p: Partial<DmPoolSettings>): DmPoolSettings => ({ ...DM_POOL_DEFAULTS, ...p });
/** A tiny pool run: width 8, 2 networks trained 2 steps of 40 images per iteration, a new network every 2. */
const small: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  ipc: 1,
  width: 8,
  realPerClass: 8,
  dsa: false,
  factor: 2,
  seed: 5,
  dmNet: 'pool',
  dmPool: pool({ size: 4, interval: 2, trainNets: 2, steps: 2, batch: 40 }),
};

async function runSha(data: RealData, config: RunConfig, iterations: number): Promise<string> {
  const run = new DistillRun(data, config);
  await run.prepare();
  await stepTo(run, iterations);
  const sha = await pixelsSha256(await run.pixels());
  run.dispose();
  return sha;
}

describe('IDM pool (wasm)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(40);
  });

  it('the pool networks really train on real data: their real-batch cross-entropy falls and accuracy rises', async () => {
    const shape: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3, architecture: 'convnet' };
    // One network (size 1), trained every iteration, no newcomer after the first.
    const p = new NetworkPool(shape, data, pool({ size: 1, interval: 1000, trainNets: 1, steps: 3, batch: 50 }), new Rng(1));
    p.advance(0);
    const losses: number[] = [];
    let firstAcc = 0;
    for (let t = 0; t < 8; t++) {
      p.train();
      losses.push((await p.lastLosses())[0]!.loss);
      if (t === 0) firstAcc = (await p.readouts()).poolRealAccuracy!;
    }
    const r = await p.readouts();
    expect(r.poolNetworks).toBe(1);
    expect((await p.lastLosses())[0]!.steps).toBe(24);
    expect(losses.every(Number.isFinite)).toBe(true);
    // 2.30 (chance) at the start; a real decrease, not noise.
    expect(losses[0]!).toBeGreaterThan(1.8);
    expect(losses[7]!).toBeLessThan(0.75 * losses[0]!);
    expect(r.poolRealAccuracy!).toBeGreaterThan(firstAcc + 0.2);
    p.dispose();
  });

  it('fills, grows and turns over as configured: 3 at the start, one more every interval, at most size', async () => {
    const shape: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 4, depth: 3, architecture: 'convnet' };
    const p = new NetworkPool(shape, data, pool({ size: 5, interval: 2, trainNets: 0 }), new Rng(2));
    const sizes: number[] = [];
    let first = null as unknown;
    for (let t = 0; t < 8; t++) {
      p.advance(t);
      if (t === 0) first = p.networks[0];
      sizes.push(p.networks.length);
    }
    expect(sizes).toEqual([4, 4, 5, 5, 5, 5, 5, 5]);
    // The first network has left by t = 4 (two newcomers joined a full pool).
    expect(p.networks.includes(first as never)).toBe(false);
    p.dispose();
  });

  it("the memory estimate is what a full pool holds: each network's weights and SGD velocity", () => {
    const shape: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3, architecture: 'convnet' };
    const before = tf.memory().numBytes;
    const p = new NetworkPool(shape, data, pool({ size: 5, interval: 1, trainNets: 0 }), new Rng(3));
    for (let t = 0; t < 4; t++) p.advance(t);
    expect(p.networks.length).toBe(5);
    const held = tf.memory().numBytes - before;
    const estimate = estimateRunBytes({ ...small, dmPool: pool({ size: 5 }) }, [28, 28, 1], 10)!;
    expect(estimate).toBe(estimateDmPoolBytes(shape, { size: 5 }));
    // The rest: each network's accuracy and loss scalars (8 bytes).
    expect(held - estimate).toBeGreaterThanOrEqual(0);
    expect(held - estimate).toBeLessThanOrEqual(5 * 8);
    p.dispose();
    // Plain DM gives no estimate (one class's graph at a time), as before the pool.
    expect(estimateRunBytes({ ...small, dmNet: 'random' }, [28, 28, 1], 10)).toBeNull();
  });

  it('a pool run changes the images, reports its pool, and differs from DM with random networks', async () => {
    const run = new DistillRun(data, small);
    await run.prepare();
    for (let i = 0; i < 4; i++) tf.dispose(run.step());
    const r = await run.readouts();
    expect(r?.poolNetworks).toBe(4);
    expect(r?.poolRealLoss).toBeGreaterThan(0);
    expect((run.method as DmRunMethod).pool).not.toBeNull();
    const sha = await pixelsSha256(await run.pixels());
    run.dispose();
    const random = await runSha(data, { ...small, dmNet: undefined, dmPool: undefined }, 4);
    expect(sha).not.toBe(random);
  });

  it('is deterministic on wasm: the same seed gives the same synthetic bytes (and another seed others)', async () => {
    const a = await runSha(data, small, 4);
    expect(await runSha(data, small, 4)).toBe(a);
    expect(await runSha(data, { ...small, seed: 6 }, 4)).not.toBe(a);
  });

  it('checkpoint and resume give the same bytes as a straight run (the pool is in the checkpoint)', async () => {
    const total = 6;
    const cut = 3;
    const straight = await runSha(data, small, total);
    const b = new DistillRun(data, small);
    await b.prepare();
    for (let i = 0; i < cut; i++) tf.dispose(b.step());
    const cp: RunCheckpoint = structuredClone(await b.checkpoint());
    b.dispose();
    expect(cp.dmPool?.nets.length).toBe(4);
    expect(cp.dmPool!.nets.some((n) => n.accuracy > 0)).toBe(true);
    const start = tf.memory().numTensors;
    const c = new DistillRun(data, small);
    c.restore(cp);
    await c.prepare();
    for (let i = cut; i < total; i++) tf.dispose(c.step());
    const resumed = await pixelsSha256(await c.pixels());
    c.dispose();
    expect(tf.memory().numTensors).toBe(start);
    expect(resumed).toBe(straight);
    // Without the pool in the checkpoint the run would go on with fresh networks: a different set.
    const d = new DistillRun(data, small);
    d.restore({ ...cp, dmPool: undefined });
    await d.prepare();
    for (let i = cut; i < total; i++) tf.dispose(d.step());
    expect(await pixelsSha256(await d.pixels())).not.toBe(straight);
    d.dispose();
  });

  it('does not leak tensors: numTensors is the same after iteration 2 and 12, and back to the start after dispose', async () => {
    const start = tf.memory().numTensors;
    // interval 1 with a full pool: one network leaves and one joins every iteration.
    const run = new DistillRun(data, { ...small, dmPool: pool({ size: 4, interval: 1, trainNets: 2, steps: 1, batch: 20 }) });
    await run.prepare();
    let at2 = -1;
    for (let i = 1; i <= 12; i++) {
      tf.dispose(run.step());
      if (i === 2) at2 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(at2);
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('links and records carry dmPool only with dmNet pool (DM configs without it stay as they were)', () => {
    const plain = completeConfig({ ...DEFAULT_RUN_CONFIG, dmPool: pool({ size: 7 }) });
    expect(plain).not.toHaveProperty('dmPool');
    expect(plain).not.toHaveProperty('dmNet');
    const withPool = completeConfig({ ...DEFAULT_RUN_CONFIG, dmNet: 'pool', dmPool: { size: 7 } as DmPoolSettings });
    expect(withPool.dmNet).toBe('pool');
    expect(withPool.dmPool).toEqual(pool({ size: 7 }));
  });
});

describe('IDM pool (cpu)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('cpu');
    data = mnistSubset(20);
  });

  it('is deterministic on cpu: the same seed gives the same synthetic bytes', async () => {
    const cfg: RunConfig = { ...small, width: 4, realPerClass: 4, dmPool: pool({ size: 3, interval: 1, trainNets: 1, steps: 1, batch: 20 }) };
    const a = await runSha(data, cfg, 2);
    expect(await runSha(data, cfg, 2)).toBe(a);
  });

});

describe('IDM pool: the cross-entropy term (wasm)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(20);
  });

  it('the cross-entropy term: its gradient with respect to the pixels agrees with central finite differences', () => {
    const shape: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 4, depth: 3, architecture: 'convnet' };
    const params = initConvNet(shape, 7);
    const k = 10;
    const first = gatherBatch(data, data.byClass.map((idx) => idx[0]!));
    const x0 = first.dataSync().slice() as Float32Array;
    first.dispose();
    const rng = new Rng(3);
    for (let i = 0; i < x0.length; i++) x0[i] = x0[i]! + 0.1 * (rng.next() - 0.5);
    const cfg = { ...DM_DEFAULTS, ipc: 1, realPerClass: 6, lrImages: 0, factor: 2 };
    const fixed = (c: number) => data.byClass[c]!.slice(1, 7);
    const syn = createSyntheticState(x0, k, [28, 28, 1]);
    /** The loss at pixels x with CE weight w (lr 0: the images stay; the velocity becomes the gradient). */
    const lossAt = (x: tf.Tensor, w: number): tf.Scalar => {
      syn.images.assign(x as tf.Tensor4D);
      syn.velocity.assign(tf.zerosLike(syn.velocity));
      const ceWeight = w > 0 ? tf.scalar(w) : undefined;
      const l = dmStep(shape, data, syn, cfg, new Rng(0), fixed, undefined, { params, ...(ceWeight ? { ceWeight } : {}) });
      tf.dispose(ceWeight);
      return l;
    };
    /**
     * The CE term itself, written out here from its definition: w · Σ_c CE(the network's logits of class c's decoded
     * synthetic images, c). dmStep's loss is the matching term alone (the CE term is only in its gradient).
     */
    const ceAt = (x: tf.Tensor, w: number): tf.Scalar =>
      tf.tidy(() => {
        const terms = Array.from({ length: k }, (_, c) => {
          const e = embedFirstOrder(shape, params, decode(tf.slice(x as tf.Tensor4D, [c, 0, 0, 0], [1, -1, -1, -1]), cfg.factor));
          const z = tf.add(tf.matMul(e, params.fcW), params.fcB) as tf.Tensor2D;
          return crossEntropy(z, tf.oneHot(tf.fill([e.shape[0]], c, 'int32') as tf.Tensor1D, 10) as tf.Tensor2D);
        });
        return tf.mul(tf.sum(tf.stack(terms)), w) as tf.Scalar;
      });
    const gradAt = (x: tf.Tensor, w: number): Float32Array => {
      tf.dispose(lossAt(x, w));
      return syn.velocity.dataSync().slice() as Float32Array;
    };
    const x = tf.tensor4d(x0, [k, 28, 28, 1]);
    const withCe = gradAt(x, 5);
    const without = gradAt(x, 0);
    // The term is active: it changes the gradient substantially.
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < withCe.length; i++) {
      diff += (withCe[i]! - without[i]!) ** 2;
      norm += without[i]! ** 2;
    }
    expect(Math.sqrt(diff / norm)).toBeGreaterThan(0.05);
    // The CE term alone: (∇L_w − ∇L_0) against finite differences of L_w − L_0, at pixels the term moves most.
    const ceGrad = withCe.map((g, i) => g - without[i]!);
    const probes = Array.from(ceGrad.keys()).sort((a, b) => Math.abs(ceGrad[b]!) - Math.abs(ceGrad[a]!)).slice(0, 12);
    const pairs = finiteDifference((t) => ceAt(t, 5), x, ceGrad, probes, EPS);
    // Float32 on both sides: 2-3 % is what rounding and ReLU kinks leave (a wrong term is off by far more).
    expect(relativeError(pairs)).toBeLessThan(5e-2);
    // And the whole objective (matching + CE) at the same pixels.
    const whole = (t: tf.Tensor) => tf.tidy(() => tf.add(lossAt(t, 0), ceAt(t, 5)) as tf.Scalar);
    expect(relativeError(finiteDifference(whole, x, withCe, probes, EPS))).toBeLessThan(5e-2);
    // The loss dmStep reports is the matching term alone, with or without the CE term in the gradient.
    const [reported, matching] = [lossAt(x, 5), lossAt(x, 0)];
    expect(reported.dataSync()[0]).toBe(matching.dataSync()[0]);
    tf.dispose([reported, matching]);
    x.dispose();
    disposeSyntheticState(syn);
    disposeConvNet(params);
  });
});
