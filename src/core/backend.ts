/**
 * Backend choice: try the preferred backend, then webgpu -> webgl -> wasm -> cpu, and accept one only
 * after a smoke test of the ops the methods use has run on it and produced finite numbers, so a missing
 * kernel surfaces here and not in the middle of a run.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { backendMemoryBudget } from '../shared/memory';
import { BACKEND_ORDER, type BackendName, type BackendPreference, type BackendReport, type ProbeReport, type ProbeShape } from '../shared/protocol';
import { deadline, timeProbe } from './probe';
import { fastest, isSoftwareAdapter, PROBE_BUDGET_MS, probeFigure, probeKey, probeOrder } from '../shared/probe';
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
  /** Probe a backend only if its quick matmul is within this factor of the best probed one's (default: no limit). */
  quickRatio?: number;
}

/** The cached probe that decides for `probe` (same device, cores and shape; its choice not avoided), if any. */
function cachedProbe(probe: ProbeOptions, avoid: readonly BackendName[]): ProbeReport | undefined {
  const key = probeKey(probe.device, probe.cores, probe.shape);
  return probe.remeasure ? undefined : probe.cached?.find((p) => p.key === key && !avoid.includes(p.chosen));
}

/**
 * Whether selectBackend will time backends (Auto with no cached probe that decides): the caller then keeps other
 * work off this thread meanwhile, as it would be counted in the timed steps.
 */
export function willProbe(preference: BackendPreference, probe: ProbeOptions | undefined, avoid: readonly BackendName[] = []): boolean {
  return preference === 'auto' && probe !== undefined && cachedProbe(probe, avoid) === undefined;
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
    const hit = cachedProbe(probe, avoid);
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
 * Auto by measurement, in two phases:
 * 1. every backend is started and times a small matmul (QUICK_SIZE², one warm-up), which ranks them cheaply;
 * 2. in that order (a software WebGPU adapter last), each is smoke-tested and timed on the probe (a warm-up step,
 *    then timed steps of the run's method) within the budget. The first, and wasm (IN_FULL), always run to their
 *    end (at least one timed step). Another is
 *    waited for only until the budget is spent: a timed step still running then is reported as "> N s/it" (N: how
 *    long it had run), a warm-up as "warm-up > N s"; the step finishes in the background and frees its tensors.
 *    The cpu backend's steps are synchronous and cannot be left: it runs only when its quick figure predicts a
 *    step within what is left of the budget.
 * The fastest fully timed backend is chosen.
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
  /** The fastest full figure so far, and its quick matmul: the cpu backend's prediction. */
  let best: { ms: number; quick: number } | null = null;
  const end = performance.now() + budget;
  const budgetText = `the probe's ${budget >= 1000 ? `${(budget / 1000).toFixed(0)} s` : `${budget} ms`} budget`;
  for (const name of ranked) {
    const first = smokeMs.size === 0 && !results.some((r) => r.msPerIteration !== undefined);
    // Run to the end whatever the budget: the first backend, and wasm (see IN_FULL).
    const full = first || IN_FULL.has(name);
    const detail = name === 'webgpu' && software ? 'software adapter' : undefined;
    const q = quick.get(name)!;
    const quickMs = Math.round(q * 100) / 100;
    const quickNote = `a ${QUICK_SIZE}² matmul took ${q < 10 ? q.toFixed(1) : q.toFixed(0)} ms`;
    const base = { backend: name, quickMs, ...(detail ? { detail } : {}) };
    const left = end - performance.now();
    if (!full && left <= 0) {
      results.push({ ...base, reason: `not timed: ${budgetText} was spent (${quickNote})` });
      continue;
    }
    if (!full && best && (SYNCHRONOUS.has(name) || q > (probe.quickRatio ?? Infinity) * best.quick)) {
      const predicted = (best.ms * q) / best.quick;
      if (predicted > left || q > (probe.quickRatio ?? Infinity) * best.quick) {
        results.push({
          ...base,
          reason: SYNCHRONOUS.has(name)
            ? `not timed: its steps run synchronously and cannot be cut short, and ${quickNote}, ${(q / best.quick).toFixed(0)}× the fastest probed's, which predicts a step (about ${probeFigure(predicted)}) longer than the ${(Math.max(0, left) / 1000).toFixed(1)} s left of ${budgetText}`
            : `not timed: ${quickNote}, ${(q / best.quick).toFixed(0)}× the fastest probed's`,
        });
        continue;
      }
    }
    const t0 = performance.now();
    await tf.setBackend(name);
    // The smoke test (shader compilation on a GPU: it can be the longest part), waited for within the budget.
    const smoke = (name === 'cpu' ? Promise.resolve() : smokeValues().then((v) => checkAgainstReference(v, reference))).then(
      () => 'ok' as const,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    const smokeWait = full ? null : deadline(end, 'late' as const);
    const smoked = await (smokeWait ? Promise.race([smoke, smokeWait.promise]) : smoke);
    smokeWait?.cancel();
    if (smoked === 'late') {
      results.push({ ...base, reason: `not timed: its smoke test (shader compilation included) ran past ${budgetText} (${quickNote})` });
      continue;
    }
    if (smoked instanceof Error) {
      results.push({ backend: name, reason: `failed: ${smoked.message}` });
      continue;
    }
    smokeMs.set(name, Math.round(performance.now() - t0));
    let phase: { name: 'prepare' | 'warmup' | 'timed'; at: number } = { name: 'prepare', at: performance.now() };
    const timing = timeProbe(probe.shape, end, (p) => (phase = { name: p, at: performance.now() }), full ? 1 : 0).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    const timingWait = full ? null : deadline(end, 'late' as const);
    const t = await (timingWait ? Promise.race([timing, timingWait.promise]) : timing);
    timingWait?.cancel();
    if (t === 'late') {
      const ran = performance.now() - phase.at;
      results.push(
        phase.name === 'prepare'
          ? { ...base, reason: `not timed: preparing the probe (MTT's expert) ran past ${budgetText}` }
          : { ...base, msPerIteration: Math.round(ran), overBudget: true, timed: phase.name === 'timed' ? 1 : 0 },
      );
      continue;
    }
    if (t instanceof Error) {
      results.push({ backend: name, reason: `failed: ${t.message}` });
      continue;
    }
    const described = name === 'wasm' ? describeBackend(name) : detail;
    results.push({ ...base, msPerIteration: Math.round(t.msPerIteration), warmupMs: Math.round(t.warmupMs), timed: t.timed, ...(described ? { detail: described } : {}) });
    if (t.timed > 0 && (!best || t.msPerIteration < best.ms)) best = { ms: t.msPerIteration, quick: q };
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

/** The quick ranking test's matmul size. */
const QUICK_SIZE = 256;
/** Backends whose steps run synchronously on this thread: a step cannot be left when the budget is spent. */
const SYNCHRONOUS = new Set<BackendName>(['cpu']);
/**
 * Backends always timed in full (a warm-up and at least one timed step), whatever is left of the budget: wasm, the
 * CPU's fast path every GPU must beat. Its steps are synchronous too (a deadline could not cut them, only mislabel
 * them as over budget), and on a loaded machine a GPU ranked before it by the matmul must not spend its turn.
 */
const IN_FULL = new Set<BackendName>(['wasm']);

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
