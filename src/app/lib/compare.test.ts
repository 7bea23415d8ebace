import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG, DEFAULT_EVAL_REQUEST, type EvalReport, type RunConfig } from '../../shared/protocol';
import { accuracyTicks, baselineRows, bestAt, topIndices, evaluatedIterations, mergeByIteration, nextQueued, pairFrom, requeue, runLabels, sameConfig, verdict } from './compare';

const base: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 1, width: 8 };

function report(iteration: number, mean: number, std = 0.01, ipc = 1): EvalReport {
  const r = (m: number) => ({ mean: m, std: 0.02, runs: [m] });
  return {
    request: DEFAULT_EVAL_REQUEST,
    iteration,
    ipc,
    width: 8,
    testImages: 500,
    results: { distilled: { mean, std, runs: [mean] }, random: r(0.3), herding: r(0.32), kCenter: r(0.28) },
  };
}

describe('pairs and labels', () => {
  it('DREAM vs uniform changes only the sampler; importance vs random only the init', () => {
    const [u, d] = pairFrom({ ...base, sampler: 'importance' }, 'dream-vs-uniform');
    expect(u).toEqual({ ...base, sampler: 'uniform' });
    expect(d).toEqual({ ...base, sampler: 'dream' });
    const [r, i] = pairFrom({ ...base, init: 'kmeans' }, 'importance-vs-random');
    expect([r!.init, i!.init]).toEqual(['real', 'importance']);
    expect(runLabels([u!, d!])).toEqual(['uniform sampling', 'DREAM sampling']);
    expect(runLabels([r!, i!])).toEqual(['random real init', 'importance init']);
  });

  it('names every differing field, the defaults when nothing differs, and numbers equal labels', () => {
    expect(runLabels([base])).toEqual(['DM · random real init · uniform sampling']);
    expect(runLabels([{ ...base, seed: 1 }, { ...base, seed: 2, sampler: 'dream' }])).toEqual(['uniform sampling · seed 1', 'DREAM sampling · seed 2']);
    expect(runLabels([base, base])).toEqual(['DM · random real init · uniform sampling (1)', 'DM · random real init · uniform sampling (2)']);
  });

  it('treats configurations that run the same distillation as the same', () => {
    expect(sameConfig(base, { ...base })).toBe(true);
    // A uniform sampler's settings do not apply; key order does not matter.
    const { seed, ...rest } = base;
    expect(sameConfig({ ...base, samplerSettings: { interval: 3, alpha: 0.5, pool: 10, probeSteps: 1 } }, { seed, ...rest })).toBe(true);
    expect(sameConfig(base, { ...base, sampler: 'dream' })).toBe(false);
  });
});

describe('queue', () => {
  it('runs queued entries in order and puts unfinished ones back in line', () => {
    const entries = [
      { id: 'a', status: 'done' as const },
      { id: 'b', status: 'stopped' as const },
      { id: 'c', status: 'queued' as const },
      { id: 'd', status: 'error' as const },
    ];
    expect(nextQueued(entries)?.id).toBe('c');
    const again = requeue(entries);
    expect(again.map((e) => e.status)).toEqual(['done', 'queued', 'queued', 'queued']);
    expect(nextQueued(again)?.id).toBe('b');
    expect(nextQueued([{ status: 'done' as const }])).toBeUndefined();
  });
});

describe('curves on one axis', () => {
  it('merges series by iteration, with bands where a std is given', () => {
    const rows = mergeByIteration([
      [{ iteration: 0, value: 0.5, std: 0.1 }, { iteration: 4, value: 0.6, std: 0 }],
      [{ iteration: 2, value: 0.4 }, { iteration: 4, value: Number.NaN }, { iteration: 0, value: 0.45 }],
    ]);
    expect(rows).toEqual([
      { iteration: 0, v0: 0.5, b0: [0.4, 0.6], v1: 0.45 },
      { iteration: 2, v1: 0.4 },
      { iteration: 4, v0: 0.6, b0: [0.6, 0.6] },
    ]);
  });
});

describe('table and verdict', () => {
  const dream = [report(0, 0.3), report(2, 0.42), report(4, 0.5)];
  const uniform = [report(0, 0.3), report(2, 0.4), report(4, 0.45)];

  it('lists the evaluated iterations and the best run at each (a shared top counts for each; no best when all tie)', () => {
    expect(evaluatedIterations([uniform, dream.slice(0, 2)])).toEqual([0, 2, 4]);
    expect(bestAt([uniform, dream], 0)).toEqual([]);
    expect(bestAt([uniform, dream, [report(2, 0.42)]], 2)).toEqual([1, 2]);
    expect(bestAt([uniform, dream], 4)).toEqual([1]);
    // One run alone is nobody's best.
    expect(bestAt([uniform, dream.slice(0, 2)], 4)).toEqual([]);
  });

  it('marks the Evaluate table\'s best rows the same way: each row at the top, none when every set ties (e.g. all at chance)', () => {
    expect(topIndices([0.9, 0.5, 0.82, 0.82])).toEqual([0]);
    expect(topIndices([0.5, 0.82, 0.82, 0.4])).toEqual([1, 2]);
    expect(topIndices([0.1, 0.1, 0.1, 0.1])).toEqual([]);
  });

  it('reads the verdict at the last iteration every run reached, and whether it beats one std', () => {
    expect(verdict([uniform, dream])).toMatchObject({ iteration: 4, best: 1, runnerUp: 0, clear: true });
    expect(verdict([uniform, dream])!.margin).toBeCloseTo(0.05);
    // The second run stopped after iteration 2: the verdict is read there; 0.02 is within a std of 0.03.
    const noisy = [report(0, 0.3, 0.03), report(2, 0.42, 0.03)];
    expect(verdict([uniform, noisy])).toMatchObject({ iteration: 2, best: 1, clear: false });
    expect(verdict([uniform, []])).toBeNull();
  });

  it('shows the baselines once for runs that share them, per setting otherwise', () => {
    expect(baselineRows([uniform, dream]).map((b) => [b.name, b.mean, b.scope])).toEqual([
      ['random', 0.3, null],
      ['herding', 0.32, null],
      ['kCenter', 0.28, null],
    ]);
    const rows = baselineRows([uniform, [report(0, 0.5, 0.01, 2)]]);
    expect(rows).toHaveLength(6);
    expect(rows[3]!.scope).toMatch(/^2\/class/);
  });
});

describe('accuracy axis', () => {
  it('ticks every 5 or 10 points (or 1, 2 for a narrow range) inside the domain', () => {
    expect(accuracyTicks([0.2, 0.45])).toEqual([0.2, 0.25, 0.3, 0.35, 0.4, 0.45]);
    expect(accuracyTicks([0, 1])).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(accuracyTicks([0.25, 0.3]).map((t) => Math.round(t * 100))).toEqual([25, 26, 27, 28, 29, 30]);
  });
});
