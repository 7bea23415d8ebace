/**
 * The Evaluate panel's store with the worker replaced by a scripted engine (the real one needs a browser;
 * e2e/evaluate.spec.ts runs it for real): each network's accuracy is kept as soon as it comes, in order, and a new
 * evaluation starts with none.
 */
import { describe, expect, it, vi } from 'vitest';
import type { EvalProgress, EvalReport, EvalRequest } from '../shared/protocol';

const script: EvalProgress[] = [];
const seen: { tested: number[] }[] = [];

vi.mock('./engine', () => ({
  evaluate: async (request: EvalRequest, onProgress: (p: EvalProgress) => void): Promise<EvalReport> => {
    for (const p of script) {
      onProgress(p);
      const { useEval } = await import('./evalStore');
      seen.push({ tested: useEval.getState().tested.map((t) => t.accuracy) });
    }
    const r = (runs: number[]) => ({ mean: runs.reduce((a, b) => a + b) / runs.length, std: 0, runs });
    return { request, iteration: 3, ipc: 1, width: 8, testImages: 100, results: { distilled: r([0.9, 0.8]), random: r([0.5, 0.4]), herding: r([0.6]), kCenter: r([0.6]) } };
  },
  cancelEvaluation: async () => {},
}));

const { useEval } = await import('./evalStore');

describe('the evaluation store', () => {
  it("keeps each network's accuracy as it is tested, and forgets them when the next evaluation starts", async () => {
    const step = (set: EvalProgress['set'], model: number, epoch: number, accuracy?: number): EvalProgress => ({ set, model, models: 2, epoch, epochs: 2, fraction: 0, ...(accuracy === undefined ? {} : { accuracy }) });
    script.push(step('distilled', 0, 0), step('distilled', 0, 1), step('distilled', 0, 1, 0.9), step('distilled', 1, 0), step('distilled', 1, 1, 0.8), step('random', 0, 1, 0.5));
    await useEval.getState().evaluate();
    expect(seen.map((s) => s.tested)).toEqual([[], [], [0.9], [0.9], [0.9, 0.8], [0.9, 0.8, 0.5]]);
    expect(useEval.getState().tested).toEqual([{ set: 'distilled', accuracy: 0.9 }, { set: 'distilled', accuracy: 0.8 }, { set: 'random', accuracy: 0.5 }]);
    expect(useEval.getState().status).toBe('done');

    script.length = 0;
    seen.length = 0;
    script.push(step('distilled', 0, 0));
    await useEval.getState().evaluate();
    expect(seen.map((s) => s.tested)).toEqual([[]]);
  });
});
