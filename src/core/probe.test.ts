import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from './backend';
import type { BackendName, ProbeReport, ProbeShape } from '../shared/protocol';
import { MTT_SETTINGS_DEFAULTS } from '../shared/methods';
import { fastest, isSoftwareAdapter, probeEtaMs, probeKey, probeOrder, probeSummary, PROBE_IPC, PROBE_REAL } from '../shared/probe';

const prepareNode = async (name: BackendName) => {
  if (name === 'webgpu' || name === 'webgl') throw new Error(`${name} is not available in Node`);
};
/** Small: 8x8 images at width 4, depth 2 (the probe's cost, not its size, is what is under test). */
const shape: ProbeShape = { input: [8, 8, 1], width: 4, depth: 2 };

async function tensorsOn(name: BackendName): Promise<number> {
  await tf.setBackend(name);
  return tf.memory().numTensors;
}

describe("Auto's probe", () => {
  it('times every backend that passes the smoke test, chooses the fastest, and leaks no tensors', async () => {
    const tried: BackendName[] = [];
    const prepare = async (name: BackendName) => {
      tried.push(name);
      return prepareNode(name);
    };
    const before = { wasm: await tensorsOn('wasm'), cpu: await tensorsOn('cpu') };
    // A budget the cpu backend's predicted step fits in (its steps are synchronous: it runs only if predicted to fit).
    const report = await selectBackend('auto', prepare, undefined, [], { shape, device: '', cores: 2, budgetMs: 3_600_000 });
    const chosenNow = tf.getBackend();
    expect({ wasm: await tensorsOn('wasm'), cpu: await tensorsOn('cpu') }).toEqual(before);

    const probe = report.probe!;
    console.log(`probe (Node, noisy under load): ${probeSummary(probe)}; ${probe.totalMs} ms in all`);
    expect(probe.results.map((r) => r.backend)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(probe.results[0]!.reason).toMatch(/failed: webgpu is not available/);
    expect(report.skipped.map((s) => s.backend)).toEqual(['webgpu', 'webgl']);
    const timed = probe.results.filter((r) => r.msPerIteration !== undefined);
    expect(timed.map((r) => r.backend)).toEqual(['wasm', 'cpu']);
    for (const r of timed) {
      expect(r.timed).toBe(2);
      expect(r.msPerIteration).toBeGreaterThan(0);
    }
    const best = timed.reduce((a, b) => (b.msPerIteration! < a.msPerIteration! ? b : a));
    expect(report.backend).toBe(best.backend);
    expect(probe.chosen).toBe(best.backend);
    expect(chosenNow).toBe(best.backend);
    expect(probe.key).toBe(probeKey('', 2, shape));
  }, 60_000);

  it("with quickRatio, does not probe a backend whose quick matmul is far slower than the best probed one's", async () => {
    const report = await selectBackend('auto', prepareNode, undefined, [], { shape, device: '', cores: 2, budgetMs: 60_000, quickRatio: 1e-9 });
    const probe = report.probe!;
    // The first in the ranking is always probed; with a ratio of ~0 no other is.
    const timed = probe.results.filter((r) => r.msPerIteration !== undefined);
    expect(timed).toHaveLength(1);
    expect(report.backend).toBe(timed[0]!.backend);
    const other = probe.results.find((r) => (r.backend === 'wasm' || r.backend === 'cpu') && r.backend !== report.backend)!;
    expect(other.reason).toMatch(/^not timed: (its steps run synchronously and cannot be cut short, and )?a 256² matmul took [\d.]+ ms, \d+× the fastest probed's/);
  }, 60_000);

  it('a cached probe with the same key decides without measuring; another shape, or "measure again", measures', async () => {
    const key = probeKey('', 2, shape);
    const cached: ProbeReport = {
      key,
      shape,
      chosen: 'cpu',
      results: [{ backend: 'cpu', msPerIteration: 5, timed: 2 }],
      totalMs: 10,
      measuredAt: '2026-12-04T00:00:00.000Z',
    };
    const tried: BackendName[] = [];
    const prepare = async (name: BackendName) => {
      tried.push(name);
      return prepareNode(name);
    };
    const hit = await selectBackend('auto', prepare, undefined, [], { shape, device: '', cores: 2, cached: [cached] });
    expect(hit.backend).toBe('cpu');
    expect(hit.probe).toEqual({ ...cached, cached: true });
    expect(tried).toEqual(['cpu']);

    // Another width is another shape class: measured (with a 1 ms budget, wasm, always timed in full, gets its
    // warm-up and one timed step; the budget is spent for cpu).
    const other = await selectBackend('auto', prepareNode, undefined, [], { shape: { ...shape, width: 6 }, device: '', cores: 2, cached: [cached], budgetMs: 1 });
    expect(other.probe!.cached).toBeUndefined();
    expect(other.probe!.results.find((r) => r.backend === 'wasm')!.timed).toBe(1);
    expect(other.probe!.results.find((r) => r.backend === 'cpu')!.reason).toMatch(/budget was spent/);
    expect(other.backend).toBe('wasm');

    // A forced backend is not measured.
    expect((await selectBackend('wasm', prepareNode, undefined, [], { shape, device: '', cores: 2, cached: [cached] })).probe).toBeUndefined();
  }, 60_000);

  it('probes a software WebGPU adapter last, and summarises in one line', () => {
    expect(isSoftwareAdapter('google, swiftshader, fallback adapter')).toBe(true);
    expect(isSoftwareAdapter('nvidia, ampere')).toBe(false);
    expect(probeOrder(['webgpu', 'webgl', 'wasm', 'cpu'], true)).toEqual(['webgl', 'wasm', 'cpu', 'webgpu']);
    expect(probeOrder(['webgpu', 'webgl', 'wasm', 'cpu'], false)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    const probe: ProbeReport = {
      key: 'k',
      shape,
      chosen: 'wasm',
      results: [
        { backend: 'webgl', msPerIteration: 9800, timed: 2 },
        { backend: 'wasm', msPerIteration: 540, timed: 2, detail: 'SIMD, 2 threads', quickMs: 2 },
        { backend: 'cpu', reason: "not timed: the probe's 5 s budget was spent", quickMs: 30 },
        { backend: 'webgpu', msPerIteration: 3100, timed: 1, overBudget: true, detail: 'software adapter' },
      ],
      totalMs: 1,
      measuredAt: '',
    };
    expect(fastest(probe.results)).toBe('wasm');
    expect(probeSummary(probe)).toBe(
      "wasm (SIMD, 2 threads): 0.54 s/it; webgl 9.8 s/it, cpu not timed (budget spent), webgpu (software adapter) > 3.1 s/it",
    );
    // An over-budget figure is a lower bound: never chosen over a full one, and gives no ETA.
    expect(fastest([{ backend: 'webgpu', msPerIteration: 100, timed: 1, overBudget: true }, { backend: 'cpu', msPerIteration: 900, timed: 2 }])).toBe('cpu');
    expect(probeEtaMs(probe, { method: 'dm', iterations: 10, realPerClass: 64, ipc: 10 }, 'webgpu')).toBeNull();
    // A DM run's ETA: the probe's figure scaled by the images each step handles.
    const run = { method: 'dm' as const, iterations: 100, realPerClass: 64, ipc: 10 };
    expect(probeEtaMs(probe, run, 'wasm')).toBeCloseTo(540 * ((64 + 10) / (PROBE_REAL + PROBE_IPC)) * 100);
    // Another method's ETA needs a probe of that method (a probe kept from before methods were recorded timed DM).
    expect(probeEtaMs(probe, { ...run, method: 'dc' }, 'wasm')).toBeNull();
    const dc: ProbeReport = { ...probe, shape: { ...shape, method: 'dc' } };
    // DC: the images, and the paper's outer loops at IPC 10 (10) against the probe's IPC 1 (1).
    expect(probeEtaMs(dc, { ...run, method: 'dc' }, 'wasm')).toBeCloseTo(540 * ((64 + 10) / (PROBE_REAL + PROBE_IPC)) * 10 * 100);
    // MTT: unrolled synthetic steps × their batch, against the probe's (4 × 10).
    const mtt: ProbeReport = { ...probe, shape: { ...shape, method: 'mtt' } };
    const mttRun = { ...run, method: 'mtt' as const, mtt: { ...MTT_SETTINGS_DEFAULTS, syntheticSteps: 20, batchSyn: 100 } };
    expect(probeEtaMs(mtt, mttRun, 'wasm')).toBeCloseTo(540 * ((20 * 100) / (4 * 10)) * 100);
    expect(probeKey('', 2, { ...shape, method: 'krr' })).toBe(' | 2 cores | krr 8x8x1 width 4 depth 2');
    // Probes kept from before: no method is DM's key.
    expect(probeKey('', 2, shape)).toBe(' | 2 cores | dm 8x8x1 width 4 depth 2');
  });
});
