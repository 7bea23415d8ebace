import { describe, expect, it } from 'vitest';
import { DEFAULT_EVAL_REQUEST, type EvalReport, type LossPoint } from '../../shared/protocol';
import { baselineRows } from './compare';
import { describeAccuracySeries, describeGrid, describeLossSeries, lossAt } from './describe';

const points: LossPoint[] = [
  { iteration: 1, loss: 0.5, ms: 10 },
  { iteration: 2, loss: 0.25, ms: 10 },
  { iteration: 5, loss: 0.0123456, ms: 10 },
];

function report(iteration: number, mean: number): EvalReport {
  const r = (m: number) => ({ mean: m, std: 0.02, runs: [m] });
  return { request: DEFAULT_EVAL_REQUEST, iteration, ipc: 1, width: 8, testImages: 500, results: { distilled: { mean, std: 0.01, runs: [mean] }, random: r(0.3), herding: r(0.32), kCenter: r(0.28) } };
}

describe('text alternatives', () => {
  it('finds the loss at an iteration, or the last one before it', () => {
    expect(lossAt(points, 2)?.loss).toBe(0.25);
    expect(lossAt(points, 4)?.loss).toBe(0.25);
    expect(lossAt(points, 9)?.loss).toBe(0.0123456);
    expect(lossAt(points, 0)).toBeUndefined();
    expect(lossAt([], 3)).toBeUndefined();
  });

  it('says what a grid shows, its iteration, its loss and its rows', () => {
    const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    expect(describeGrid({ what: 'Synthetic images', iteration: 1234, loss: 0.0123456, ipc: 1, classes: digits })).toBe(
      'Synthetic images at iteration 1,234, loss 0.0123: 10 rows, one per class (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 1 image per class.',
    );
    expect(describeGrid({ what: 'Initial images', iteration: 0, ipc: 10 })).toBe('Initial images at iteration 0, before the first iteration: one row per class, 10 images per class.');
    // Many classes: the first ten named, the rest counted.
    const many = Array.from({ length: 13 }, (_, i) => `c${i}`);
    expect(describeGrid({ what: 'X', iteration: 3, ipc: 2, classes: many })).toContain('(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 3 more)');
  });

  it('gives each loss curve its first and last point', () => {
    const text = describeLossSeries([
      { label: 'uniform sampling', points },
      { label: 'DREAM sampling', points: points.slice(0, 1) },
      { label: 'queued run', points: [] },
    ]);
    expect(text).toBe(
      'Loss against iteration, 3 runs. uniform sampling: 0.5 at iteration 1, 0.0123 at iteration 5 (3 points). DREAM sampling: 0.5 at iteration 1. queued run: no points yet.',
    );
    expect(describeLossSeries([{ label: 'a', points }], true)).toMatch(/^Loss against iteration \(log scale\), 1 run\. /);
  });

  it('gives every evaluated point of each accuracy curve and the baselines', () => {
    const evals = [report(0, 0.12), report(4, 0.456)];
    const text = describeAccuracySeries([{ label: 'This run', points: evals }, { label: 'Other', points: [] }], baselineRows([evals]));
    expect(text).toBe(
      'Test accuracy against iteration (mean ± std over the networks). This run: 12.0% ± 1.0% at iteration 0, 45.6% ± 1.0% at iteration 4. Other: not evaluated yet. Baselines (real images): Random real 30.0%, Herding 32.0%, k-center 28.0%.',
    );
  });
});
