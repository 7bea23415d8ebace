/**
 * Backend choice: try the preferred backend, then webgpu -> webgl -> wasm -> cpu, and accept one only
 * after a smoke test of the ops the methods use has run on it and produced finite numbers, so a missing
 * kernel surfaces here and not in the middle of a run.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { backendMemoryBudget } from '../shared/memory';
import { BACKEND_ORDER, type BackendName, type BackendPreference, type BackendReport, type ProbeReport, type ProbeShape } from '../shared/protocol';
import { timeProbe } from './probe';
import { fastest, isSoftwareAdapter, PROBE_BUDGET_MS, probeKey, probeOrder } from '../shared/probe';
import { initConvNet, logits, disposeConvNet, paramList, type ConvNetShape } from './nn/convnet';
import { crossEntropy } from './nn/losses';
import { paramsFromList } from './nn/train';
import { gatherBatch, prepareRealData } from './data/batches';
import { initReal } from './init';
import { createSyntheticState, disposeSyntheticState, dmStep, DM_DEFAULTS } from './methods/dm/dm';
import { Rng } from './rng';
import { applyDsa } from './augment/dsa';
import { krrLoss, targets } from './methods/krr/krr';

/**
 * Runs the methods' ops on a tiny problem (one DM step on 10 classes of 8x8 images, and the weight
 * gradients of a classification loss) and returns summary numbers to compare across backends.
 */
export async function smokeValues(): Promise<number[]> {
  const classes = 10;
  const perClass = 3;
  const n = classes * perClass;
  const images = new Uint8Array(n * 64);
  for (let i = 0; i < images.length; i++) images[i] = (Math.imul(i, 2654435761) >>> 24) & 255;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % classes);
  const data = prepareRealData(
    { images, labels, count: n, height: 8, width: 8, channels: 1 },
    { classes: Array.from({ length: classes }, (_, i) => String(i)), mean: [0.5], std: [0.25] },
  );
  const shape: ConvNetShape = { input: [8, 8, 1], classes, width: 4, depth: 2 };
  const initial = initReal(data, 1, new Rng(1));
  const syn = createSyntheticState(initial.pixels, classes, [8, 8, 1]);
  const params = initConvNet(shape, 1);
  try {
    // With a rotation (DSA's affine warp): its ops must work here too.
    const rotate = (x: tf.Tensor4D) => applyDsa(x, { op: 'rotate', degrees: 10 });
    const loss = dmStep(shape, data, syn, { ...DM_DEFAULTS, ipc: 1, realPerClass: perClass }, new Rng(2), undefined, () => rotate);
    const out = tf.tidy(() => {
      const x = gatherBatch(data, [0, 1, 2, 3]);
      const oneHot = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), classes);
      const ps = paramList(params);
      const dws = tf.grads((...vs: tf.Tensor[]) => crossEntropy(logits(shape, paramsFromList(params, vs), x), oneHot as tf.Tensor2D))(ps);
      // KRR's ops: features, kernel matrices, the Newton–Schulz solve, and the gradient through them.
      const ys = targets([0, 1, 2, 3], classes);
      const flipped = tf.reverse(x, [1]); // synthetic != real, so the fit is not perfect
      const krr = tf.grad((s: tf.Tensor) => krrLoss(shape, [params], x, ys, s as tf.Tensor4D, ys, 0.1))(flipped);
      return tf.stack([loss, tf.sum(tf.abs(syn.images)), ...dws.map((g) => tf.sum(tf.abs(g))), tf.sum(tf.abs(krr))]);
    });
    loss.dispose();
    const values = Array.from(await out.data());
    out.dispose();
    return values;
  } finally {
    disposeConvNet(params);
    disposeSyntheticState(syn);
  }
}

/** Throws unless `values` equal the cpu backend's `reference` (relative 1e-3): catches kernels that fail silently. */
export function checkAgainstReference(values: number[], reference: number[]): void {
  if (!values.every(Number.isFinite)) throw new Error('smoke test produced non-finite numbers');
  values.forEach((v, i) => {
    const r = reference[i]!;
    if (Math.abs(v - r) > 1e-3 * Math.abs(r) + 1e-5) {
      throw new Error(`smoke test gave ${v.toPrecision(6)} where the cpu backend gives ${r.toPrecision(6)} (value ${i})`);
    }
  });
}

/** Environment-specific preparation of a backend (e.g. wasm file paths, the WebGPU module). */
export type PrepareBackend = (name: BackendName) => Promise<string | void>;

/** Auto's measurement: the workload's shape, the device it is keyed by, and what this browser measured before. */
export interface ProbeOptions {
  shape: ProbeShape;
  /** The device as the cache knows it: the WebGPU adapter's description ('' when there is none). */
  device: string;
  cores: number;
  cached?: readonly ProbeReport[];
  /** Measure even if a cached probe matches. */
  remeasure?: boolean;
  /** The probes' total budget in ms (PROBE_BUDGET_MS). */
  budgetMs?: number;
  /** Probe a backend only if its quick matmul is within this factor of the best probed one's (QUICK_RATIO). */
  quickRatio?: number;
}

/**
 * Picks and initialises a backend; see the module comment. With `probe` and preference 'auto': every backend that
 * passes the smoke test is timed on the probe (core/probe.ts) and the fastest is chosen, or a cached probe with
 * the same key decides.
 */
export async function selectBackend(
  preference: BackendPreference,
  prepare: PrepareBackend,
  deviceGiB?: number,
  /** Backends not to try (e.g. webgpu after its device was lost). */
  avoid: readonly BackendName[] = [],
  probe?: ProbeOptions,
): Promise<BackendReport> {
  if (preference === 'auto' && probe) {
    const key = probeKey(probe.device, probe.cores, probe.shape);
    const hit = probe.remeasure ? undefined : probe.cached?.find((p) => p.key === key && !avoid.includes(p.chosen));
    if (!hit) return probeBackends(prepare, deviceGiB, avoid, probe, key);
    const report = await selectBackend(hit.chosen, prepare, deviceGiB, avoid);
    return report.backend === hit.chosen ? { ...report, probe: { ...hit, cached: true } } : report;
  }
  const order: BackendName[] = (preference === 'auto' ? [...BACKEND_ORDER] : [preference, ...BACKEND_ORDER.filter((b) => b !== preference)]).filter(
    (b) => !avoid.includes(b),
  );
  const skipped: BackendReport['skipped'] = [];
  // The plain-JavaScript cpu backend is the reference every other backend must agree with.
  await tf.setBackend('cpu');
  const reference = await smokeValues();
  for (const name of order) {
    const t0 = performance.now();
    try {
      const prepared = await prepare(name);
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`${name} failed to initialise`);
      await tf.ready();
      if (name !== 'cpu') checkAgainstReference(await smokeValues(), reference);
      return {
        backend: name,
        skipped,
        smokeMs: Math.round(performance.now() - t0),
        detail: [prepared, describeBackend(name)].filter(Boolean).join('; '),
        memoryBudget: backendMemoryBudget(name, deviceGiB),
      };
    } catch (err) {
      skipped.push({ backend: name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new Error(`No TensorFlow.js backend works here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/**
 * Auto by measurement, in two phases within the budget:
 * 1. every backend is started and times a small matmul (QUICK_SIZE², one warm-up), which ranks them cheaply;
 * 2. in that order (a software WebGPU adapter last), each is smoke-tested and timed on the probe, the first
 *    always; a later one only while the budget lasts and when its quick figure is within QUICK_RATIO of the best
 *    probed one's (so a software GPU path, whose smoke test alone can take half a minute here, is not compiled).
 * The fastest probed backend is chosen.
 */
async function probeBackends(prepare: PrepareBackend, deviceGiB: number | undefined, avoid: readonly BackendName[], probe: ProbeOptions, key: string): Promise<BackendReport> {
  const started = performance.now();
  const budget = probe.budgetMs ?? PROBE_BUDGET_MS;
  const software = isSoftwareAdapter(probe.device);
  const results: ProbeReport['results'] = [];
  const prepared = new Map<BackendName, string>();
  const quick = new Map<BackendName, number>();
  for (const name of probeOrder(BACKEND_ORDER, software).filter((b) => !avoid.includes(b))) {
    try {
      prepared.set(name, (await prepare(name)) || '');
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`${name} failed to initialise`);
      await tf.ready();
      quick.set(name, await quickMatmulMs());
    } catch (err) {
      results.push({ backend: name, reason: `failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  // Stable sort: equal figures keep the priority order, and a software adapter stays behind.
  const ranked = [...quick.keys()].sort((a, b) => (software && (a === 'webgpu') !== (b === 'webgpu') ? (a === 'webgpu' ? 1 : -1) : quick.get(a)! - quick.get(b)!));
  await tf.setBackend('cpu');
  const reference = await smokeValues();
  const smokeMs = new Map<BackendName, number>();
  let bestQuick = Infinity;
  const phase2 = performance.now();
  for (const name of ranked) {
    const detail = name === 'webgpu' && software ? 'software adapter' : name === 'wasm' ? '' : undefined;
    const q = quick.get(name)!;
    const spent = performance.now() - phase2;
    const quickNote = `a ${QUICK_SIZE}² matmul took ${q < 10 ? q.toFixed(1) : q.toFixed(0)} ms`;
    if (smokeMs.size > 0 && (spent >= budget || q > (probe.quickRatio ?? QUICK_RATIO) * bestQuick)) {
      results.push({
        backend: name,
        quickMs: Math.round(q * 100) / 100,
        ...(detail ? { detail } : {}),
        reason: spent >= budget ? `not timed: the probe's ${(budget / 1000).toFixed(0)} s budget was spent (${quickNote})` : `not timed: ${quickNote}, ${(q / bestQuick).toFixed(0)}× the fastest probed`,
      });
      continue;
    }
    const t0 = performance.now();
    try {
      await tf.setBackend(name);
      if (name !== 'cpu') checkAgainstReference(await smokeValues(), reference);
      smokeMs.set(name, Math.round(performance.now() - t0));
    } catch (err) {
      results.push({ backend: name, reason: `failed: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const t = await timeProbe(probe.shape, Math.max(0, budget - (performance.now() - phase2)));
    bestQuick = Math.min(bestQuick, q);
    const described = name === 'wasm' ? describeBackend(name) : detail;
    results.push({ backend: name, msPerIteration: Math.round(t.msPerIteration), warmupMs: Math.round(t.warmupMs), timed: t.timed, quickMs: Math.round(q * 100) / 100, ...(described ? { detail: described } : {}) });
  }
  const chosen = fastest(results);
  if (!chosen) throw new Error(`No TensorFlow.js backend works here: ${results.map((r) => `${r.backend}: ${r.reason}`).join('; ')}`);
  await tf.setBackend(chosen);
  const report: ProbeReport = { key, shape: probe.shape, chosen, results, totalMs: Math.round(performance.now() - started), measuredAt: new Date().toISOString() };
  return {
    backend: chosen,
    skipped: results.filter((r) => r.reason?.startsWith('failed')).map((r) => ({ backend: r.backend, reason: r.reason!.replace(/^failed: /, '') })),
    smokeMs: smokeMs.get(chosen) ?? 0,
    detail: [prepared.get(chosen), describeBackend(chosen)].filter(Boolean).join('; '),
    memoryBudget: backendMemoryBudget(chosen, deviceGiB),
    probe: report,
  };
}

/** The quick ranking test's matmul size, and how much slower than the best probed a backend may be to be probed. */
const QUICK_SIZE = 256;
const QUICK_RATIO = 3;

/** Milliseconds of one QUICK_SIZE² matmul on the current backend (one warm-up, then the best of three). */
async function quickMatmulMs(): Promise<number> {
  const a = tf.tidy(() => tf.randomUniform([QUICK_SIZE, QUICK_SIZE], -1, 1, 'float32', 1));
  try {
    let best = Infinity;
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, a);
      await c.data();
      c.dispose();
      if (i > 0) best = Math.min(best, performance.now() - t0);
    }
    return best;
  } finally {
    a.dispose();
  }
}

function describeBackend(name: BackendName): string {
  if (name === 'wasm') {
    const n = getThreadsCount();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    return `${simd}, ${n === 1 ? '1 thread' : `${n} threads`}`;
  }
  return '';
}

/**
 * Threads for the wasm backend on a machine with `logicalCores`: one per core, at most 8 (the pool the threaded
 * build creates). tfjs's own default is half the cores, which leaves one of two cores idle.
 */
export function wasmThreadsFor(logicalCores: number): number {
  return Math.min(8, Math.max(1, Math.floor(logicalCores) || 1));
}
