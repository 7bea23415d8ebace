/**
 * The faults slice: a worker lost while no run goes on is an error with "Try again"; a run interrupted by a crash
 * resumes on its own backend from its last checkpoint, one interrupted by a lost GPU device on the next backend;
 * after MAX_RESTARTS within the window the page stops and says so. e2e/faults.spec.ts does this in a browser.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromSearch } from '../../shared/config';
import { checkpointAt, fake, memoryDb } from './testing';

vi.mock('../engine', () => import('./testing').then((m) => m.engineModule));
vi.mock('../lib/runs-db', async (orig) => (await import('./testing')).runsDbModule(await orig()));

const { createAppStore, MAX_RESTARTS } = await import('../store');

async function readyStore(search = '?iterations=5&ipc=1&backend=webgpu') {
  fake.listeners.clear();
  const store = createAppStore(configFromSearch(search));
  await store.getState().boot();
  return store;
}

/** A run at iteration 3 with a checkpoint at 2, going on in manual mode. */
async function runningStore() {
  const store = await readyStore();
  fake.mode = 'manual';
  void store.getState().start();
  fake.run.emit({ type: 'started', config: fake.run.config, backend: 'webgpu', initial: fake.ownDataset.sample, fromIteration: 0 });
  fake.run.emit({ type: 'progress', points: [1, 2, 3].map((iteration) => ({ iteration, loss: 1, ms: 1 })), iteration: 3, numTensors: 1, numBytes: 1 });
  fake.run.emit({ type: 'checkpoint', checkpoint: checkpointAt(2) });
  return store;
}

beforeEach(() => {
  fake.reset();
  memoryDb.reset();
});

describe('faults slice', () => {
  it('a worker lost with no run going: the engine stopped, Try again starts afresh', async () => {
    const store = await readyStore();
    fake.fault({ kind: 'crashed', message: 'the worker failed: boom' });
    expect(store.getState()).toMatchObject({ backendStatus: 'error', datasetStatus: 'error', fault: null });
    expect(store.getState().error).toMatchObject({ source: 'worker', title: 'The compute engine stopped', message: 'the worker failed: boom', retry: true });
    await store.getState().retry();
    expect(store.getState()).toMatchObject({ backendStatus: 'ready', datasetStatus: 'ready', error: null });
    store.getState().dismissError();
  });

  it('a crashed run resumes on its backend from its last checkpoint, and the notice says so', async () => {
    const store = await runningStore();
    fake.fault({ kind: 'crashed', message: 'the worker failed' });
    expect(store.getState().fault).toMatchObject({ kind: 'crashed', atIteration: 3, fromIteration: 2, fromBackend: 'webgpu', toBackend: 'webgpu', restart: 1, state: 'restarting' });
    await vi.waitFor(() => expect(fake.runs).toHaveLength(2));
    expect(fake.initBackend.at(-1)).toMatchObject({ preference: 'webgpu', avoid: [] });
    expect(fake.run.options?.resume?.iteration).toBe(2);
    fake.run.emit({ type: 'started', config: fake.run.config, backend: 'webgpu', initial: fake.ownDataset.sample, fromIteration: 2 });
    expect(store.getState().fault?.state).toBe('resumed');
    expect(store.getState()).toMatchObject({ runStatus: 'running', resumedFrom: 2, lossPoints: [expect.anything(), expect.anything()] });
    store.getState().dismissFault();
    expect(store.getState().fault).toBeNull();
  });

  it('a lost GPU device moves the run to the next backend, avoiding the lost one', async () => {
    const store = await runningStore();
    fake.fault({ kind: 'device-lost', message: 'GPU device lost', backend: 'webgpu' });
    expect(store.getState().fault).toMatchObject({ kind: 'device-lost', fromBackend: 'webgpu', toBackend: 'webgl' });
    await vi.waitFor(() => expect(fake.runs).toHaveLength(2));
    expect(fake.initBackend.at(-1)).toMatchObject({ preference: 'webgl', avoid: ['webgpu'] });
    // The user's choice of backend replaces the recovery's.
    await store.getState().chooseBackend('cpu');
    expect(fake.calls).toContain('stopRun');
    expect(fake.initBackend.at(-1)).toMatchObject({ preference: 'cpu', avoid: [] });
  });

  it(`after ${MAX_RESTARTS} restarts within the window the run is stopped, saved, and the page says what to do`, async () => {
    const store = await runningStore();
    for (let i = 1; i <= MAX_RESTARTS; i++) {
      fake.fault({ kind: 'unresponsive', message: 'the worker stopped answering' });
      await vi.waitFor(() => expect(fake.runs).toHaveLength(i + 1));
      expect(store.getState().fault?.restart).toBe(i);
    }
    fake.fault({ kind: 'unresponsive', message: 'the worker stopped answering' });
    const s = store.getState();
    expect(s.fault).toMatchObject({ state: 'gave-up', restart: MAX_RESTARTS });
    expect(s).toMatchObject({ runStatus: 'error', backendStatus: 'error', pending: null });
    expect(s.error?.title).toBe(`The run was stopped after ${MAX_RESTARTS} restarts`);
    expect(s.error?.message).toBe(`the worker stopped answering. The run failed ${MAX_RESTARTS + 1} times within 10 minutes, so the page stopped restarting it.`);
    expect(s.error?.hint).toMatch(/last checkpoint \(iteration 2\) is saved/);
    await vi.waitFor(() => expect(memoryDb.runs.get(s.currentRunId!)?.status).toBe('stopped'));
    expect(fake.runs).toHaveLength(MAX_RESTARTS + 1);
  });
});
