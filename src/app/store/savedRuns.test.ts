/**
 * The saved-runs slice over an in-memory database (./testing.ts; e2e/faults.spec.ts and the saved-runs e2e tests
 * use the browser's IndexedDB): a run's record at its start, checkpoints and end; saves land in order; a full or
 * missing database is reported and the run goes on; Resume, Delete and Clear.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromSearch } from '../../shared/config';
import { checkpointAt, fake, memoryDb } from './testing';

vi.mock('../engine', () => import('./testing').then((m) => m.engineModule));
vi.mock('../lib/runs-db', async (orig) => (await import('./testing')).runsDbModule(await orig()));

const { createAppStore } = await import('../store');

async function readyStore(search = '?iterations=3&ipc=1') {
  fake.listeners.clear();
  const store = createAppStore(configFromSearch(search));
  await store.getState().boot();
  return store;
}

beforeEach(() => {
  fake.reset();
  memoryDb.reset();
});

describe('saved-runs slice', () => {
  it('a run is saved when it starts, at each checkpoint (the latest wins) and when it ends', async () => {
    const store = await readyStore();
    fake.mode = 'manual';
    const done = store.getState().start();
    const id = store.getState().currentRunId!;
    await vi.waitFor(() => expect(memoryDb.runs.get(id)).toMatchObject({ status: 'running', iteration: 0, checkpoint: null }));
    fake.run.emit({ type: 'progress', points: [{ iteration: 1, loss: 1, ms: 1 }, { iteration: 2, loss: 0.5, ms: 1 }], iteration: 2, numTensors: 1, numBytes: 1 });
    fake.run.emit({ type: 'checkpoint', checkpoint: checkpointAt(1) });
    fake.run.emit({ type: 'checkpoint', checkpoint: checkpointAt(2) });
    await vi.waitFor(() => expect(store.getState().savedIteration).toBe(2));
    expect(memoryDb.runs.get(id)).toMatchObject({ status: 'running', iteration: 2, checkpoint: { iteration: 2 } });
    expect(memoryDb.runs.get(id)!.lossPoints.map((p) => p.iteration)).toEqual([1, 2]);
    fake.run.emit({ type: 'done', iteration: 3, reason: 'completed', syntheticSha256: 'abc' });
    fake.run.finish();
    await done;
    await vi.waitFor(() => expect(memoryDb.runs.get(id)).toMatchObject({ status: 'done', iteration: 3, syntheticSha256: 'abc' }));
    expect(memoryDb.saves).toBe(4);
    expect(store.getState().savedRuns).toEqual([expect.objectContaining({ id, status: 'done', checkpointIteration: 2 })]);
  });

  it('when saving fails the run goes on and the page says why', async () => {
    const store = await readyStore();
    memoryDb.failWith = new Error('The browser’s storage for this site is full');
    await store.getState().start();
    expect(store.getState().runStatus).toBe('done');
    await vi.waitFor(() => expect(store.getState().saveError).toBe('The browser’s storage for this site is full'));
  });

  it('Resume loads the saved run’s dataset and config and goes on from its checkpoint', async () => {
    const store = await readyStore();
    const config = { ...store.getState().config, dataset: 'fashion-mnist' as const, iterations: 5 };
    const lossPoints = [1, 2, 3].map((iteration) => ({ iteration, loss: 1 / iteration, ms: 1 }));
    memoryDb.runs.set('run-a', { id: 'run-a', createdAt: 1, updatedAt: 2, config, backend: 'wasm', status: 'running', iteration: 3, lossPoints, checkpoint: checkpointAt(2), syntheticSha256: null });
    await store.getState().refreshSavedRuns();
    expect(store.getState().savedRuns.map((r) => [r.id, r.checkpointIteration])).toEqual([['run-a', 2]]);
    await store.getState().resumeSaved('run-a');
    expect(fake.calls).toContain('loadDataset:fashion-mnist');
    expect(fake.run.options?.resume?.iteration).toBe(2);
    expect(fake.run.config).toEqual(config);
    expect(store.getState()).toMatchObject({ config, currentRunId: 'run-a', runStatus: 'done', iteration: 5 });
    expect(store.getState().lossPoints.map((p) => p.iteration)).toEqual([1, 2, 3, 4, 5]);
    await vi.waitFor(() => expect(memoryDb.runs.get('run-a')?.status).toBe('done'));
  });

  it('a run with no checkpoint cannot be resumed; Delete and Clear empty the list', async () => {
    const store = await readyStore();
    await store.getState().start();
    await store.getState().start();
    await vi.waitFor(() => expect(store.getState().savedRuns).toHaveLength(2));
    const [newest, oldest] = store.getState().savedRuns;
    expect(newest!.createdAt).toBeGreaterThanOrEqual(oldest!.createdAt);
    const runs = fake.runs.length;
    await store.getState().resumeSaved(oldest!.id);
    expect(fake.runs).toHaveLength(runs);
    await store.getState().deleteSaved(oldest!.id);
    expect(store.getState().savedRuns.map((r) => r.id)).toEqual([newest!.id]);
    await store.getState().clearSaved();
    expect(store.getState().savedRuns).toEqual([]);
    expect(memoryDb.runs.size).toBe(0);
  });
});
