/**
 * How the run slice folds the engine's events in (the parts run.test.ts does not reach): every event goes to the
 * page's event log; evaluations stay in iteration order, one per iteration, the final one shown by Evaluate;
 * selection updates merge; a diverged run keeps its last good iteration; a failed one says what to try.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromSearch } from '../../shared/config';
import type { EvalReport } from '../../shared/protocol';
import { fake } from './testing';

vi.mock('../engine', () => import('./testing').then((m) => m.engineModule));

const { createAppStore } = await import('../store');
const { useEval } = await import('../evalStore');
const { runEventLog } = await import('../lib/event-log');

function report(iteration: number, mean: number): EvalReport {
  const r = { mean, std: 0, runs: [mean] };
  return { request: { epochs: 1, models: 1, testLimit: 10 }, iteration, ipc: 1, width: 8, testImages: 10, results: { distilled: r, random: r, herding: r, kCenter: r } };
}

async function runningStore() {
  fake.listeners.clear();
  const store = createAppStore(configFromSearch('?iterations=4&ipc=1'));
  await store.getState().boot();
  fake.mode = 'manual';
  void store.getState().start();
  fake.run.emit({ type: 'started', config: fake.run.config, backend: 'wasm', initial: fake.ownDataset.sample, fromIteration: 0 });
  return store;
}

beforeEach(() => fake.reset());

describe('run events', () => {
  it('evaluations: in iteration order, a repeated iteration replaced, the last iteration’s shown by Evaluate', async () => {
    const store = await runningStore();
    const shown = vi.spyOn(useEval.getState(), 'show');
    const emit = fake.run.emit;
    emit({ type: 'evaluating', iteration: 2, progress: { set: 'distilled', model: 1, models: 1, epoch: 1, epochs: 2, fraction: 0.5 } });
    expect(store.getState().evalProgress?.iteration).toBe(2);
    emit({ type: 'evaluation', report: report(2, 0.3) });
    emit({ type: 'evaluation', report: report(0, 0.1) });
    emit({ type: 'evaluation', report: report(2, 0.35) });
    expect(store.getState().evalPoints.map((r) => [r.iteration, r.results.distilled.mean])).toEqual([
      [0, 0.1],
      [2, 0.35],
    ]);
    expect(store.getState().evalProgress).toBeNull();
    expect(shown).not.toHaveBeenCalled();
    emit({ type: 'evaluation', report: report(4, 0.5) });
    expect(shown).toHaveBeenCalledWith(expect.objectContaining({ iteration: 4 }));
  });

  it('preparing lasts until the first progress; selection updates keep what they omit; all of it is logged', async () => {
    const store = await runningStore();
    const before = runEventLog.all().length;
    const emit = fake.run.emit;
    emit({ type: 'preparing', message: 'training expert 1 of 1', fraction: 0.5 });
    expect(store.getState().preparing).toEqual({ message: 'training expert 1 of 1', fraction: 0.5 });
    const g = fake.ownDataset.sample;
    emit({ type: 'selection', view: { iteration: 1, dream: { grid: g, refreshedAt: 1 } } });
    emit({ type: 'selection', view: { iteration: 2, importance: { grid: g, marked: [[true]], pi: [[1]] } } });
    expect(store.getState().selection).toEqual({ iteration: 2, dream: { grid: g, refreshedAt: 1 }, importance: { grid: g, marked: [[true]], pi: [[1]] } });
    emit({ type: 'progress', points: [{ iteration: 1, loss: 2, ms: 3 }], iteration: 1, numTensors: 5, numBytes: 6 });
    expect(store.getState()).toMatchObject({ preparing: null, iteration: 1, numTensors: 5, numBytes: 6 });
    emit({ type: 'images', iteration: 1, grid: fake.ownDataset.sample });
    expect(store.getState()).toMatchObject({ gridIteration: 1, grid: fake.ownDataset.sample });
    expect(runEventLog.all().slice(before).map((e) => e.type)).toEqual(['preparing', 'selection', 'selection', 'progress', 'images']);
  });

  it('a diverged run keeps its last good iteration and says what to change; another failure suggests smaller settings', async () => {
    let store = await runningStore();
    fake.run.emit({ type: 'error', kind: 'diverged', message: 'loss is NaN at iteration 3', lastGood: 2 });
    expect(store.getState()).toMatchObject({ runStatus: 'error', lastGood: 2, pending: null, error: { source: 'run', title: 'The run diverged', retry: false } });
    expect(store.getState().error?.hint).toMatch(/last good state \(iteration 2\)/);
    fake.run.finish();
    store = await runningStore();
    fake.run.emit({ type: 'error', message: 'out of memory' });
    expect(store.getState()).toMatchObject({ runStatus: 'error', lastGood: null, error: { title: 'The run failed', message: 'out of memory' } });
    expect(store.getState().error?.hint).toMatch(/fewer images per class/);
    fake.run.finish();
  });
});
