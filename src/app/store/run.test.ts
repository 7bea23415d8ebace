/**
 * The run slice with a scripted engine (./testing.ts; e2e/playground.spec.ts runs the real one): start, the
 * events folded into the state, pause / resume / step / stop / reset, and the memory check before a run.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromSearch } from '../../shared/config';
import { checkpointAt, fake, grid, memoryDb } from './testing';

vi.mock('../engine', () => import('./testing').then((m) => m.engineModule));
vi.mock('../lib/runs-db', async (orig) => (await import('./testing')).runsDbModule(await orig()));

const { createAppStore } = await import('../store');
const { runEventLog } = await import('../lib/event-log');

async function readyStore(search = '?iterations=3&ipc=1') {
  fake.listeners.clear();
  const store = createAppStore(configFromSearch(search));
  await store.getState().boot();
  expect(store.getState()).toMatchObject({ datasetStatus: 'ready', backendStatus: 'ready' });
  return store;
}

beforeEach(() => {
  fake.reset();
  memoryDb.reset();
});

describe('run slice', () => {
  it('a run goes from loading to done with its curve, fingerprint and a saved record', async () => {
    const store = await readyStore();
    const before = runEventLog.all().length;
    await store.getState().start();
    const s = store.getState();
    expect(s).toMatchObject({ runStatus: 'done', doneReason: 'completed', iteration: 3, syntheticSha256: 'sha-3', runBackend: 'wasm', pending: null });
    expect(s.lossPoints.map((p) => p.iteration)).toEqual([1, 2, 3]);
    expect(s.msPerIteration).toBe(2);
    expect(s.endedAt).not.toBeNull();
    expect(fake.run.config).toMatchObject({ iterations: 3, ipc: 1, dataset: 'mnist' });
    // started, three progress events and done, in the page's event log.
    expect(runEventLog.all().slice(before).map((e) => e.type)).toEqual(['started', 'progress', 'progress', 'progress', 'done']);
    await vi.waitFor(() => expect(memoryDb.runs.get(s.currentRunId!)?.status).toBe('done'));
    expect(store.getState().savedRuns.map((r) => r.id)).toEqual([s.currentRunId]);
  });

  it('pause, resume and step wait for the engine to confirm; Space toggles; stop ends the run as stopped', async () => {
    const store = await readyStore();
    fake.mode = 'manual';
    const done = store.getState().start();
    expect(store.getState().runStatus).toBe('loading');
    fake.run.emit({ type: 'started', config: fake.run.config, backend: 'wasm', initial: grid(2), fromIteration: 0 });
    expect(store.getState().runStatus).toBe('running');
    store.getState().toggle();
    expect(store.getState().pending).toBe('pause');
    expect(fake.calls.at(-1)).toBe('pauseRun');
    // A second pause while one is pending is not sent.
    store.getState().pause();
    expect(fake.calls.filter((c) => c === 'pauseRun')).toHaveLength(1);
    fake.run.emit({ type: 'paused', iteration: 1 });
    expect(store.getState()).toMatchObject({ runStatus: 'paused', pending: null, iteration: 1 });
    store.getState().step();
    expect(store.getState().pending).toBe('step');
    expect(fake.calls.at(-1)).toBe('stepRun');
    fake.run.emit({ type: 'paused', iteration: 2 });
    store.getState().toggle();
    expect(store.getState().pending).toBe('resume');
    fake.run.emit({ type: 'resumed', iteration: 2 });
    expect(store.getState()).toMatchObject({ runStatus: 'running', pending: null });
    await store.getState().stop();
    await done;
    expect(store.getState()).toMatchObject({ runStatus: 'done', doneReason: 'stopped', pending: null });
  });

  it('Step with no run starts one that asks the engine to pause after its first iteration', async () => {
    const store = await readyStore();
    fake.mode = 'manual';
    store.getState().step();
    await vi.waitFor(() => expect(fake.runs).toHaveLength(1));
    expect(fake.run.options?.step).toBe(true);
    expect(store.getState().pending).toBe('step');
    fake.run.emit({ type: 'done', iteration: 0, reason: 'stopped' });
    fake.run.finish();
  });

  it('a run that would not fit in memory is refused before the engine sees it; what the page shows stays', async () => {
    const store = await readyStore();
    await store.getState().start();
    const sha = store.getState().syntheticSha256;
    // KRR's and MTT's runs are estimated (shared/memory.ts): 1000 bytes fit neither.
    store.setState({ backend: { ...store.getState().backend!, memoryBudget: 1000 } });
    await store.getState().start(undefined, { config: { ...store.getState().config, method: 'krr' } });
    expect(fake.runs).toHaveLength(1);
    expect(store.getState().error).toMatchObject({ source: 'run', title: 'This run would not fit in memory', retry: false });
    expect(store.getState().syntheticSha256).toBe(sha);
  });

  it('reset clears the run and keeps the settings; a resumed run continues its curve from the checkpoint', async () => {
    const store = await readyStore('?iterations=4&ipc=1');
    await store.getState().start();
    const config = store.getState().config;
    await store.getState().reset();
    expect(store.getState()).toMatchObject({ runStatus: 'idle', lossPoints: [], grid: null, syntheticSha256: null, iteration: 0 });
    expect(store.getState().config).toBe(config);
    const saved = [...memoryDb.runs.values()][0]!;
    await store.getState().start({ ...saved, iteration: 2, checkpoint: checkpointAt(2) });
    expect(fake.run.options?.resume?.iteration).toBe(2);
    expect(store.getState().resumedFrom).toBe(2);
    // The saved curve up to the checkpoint, then the engine's iterations 3 and 4.
    expect(store.getState().lossPoints.map((p) => p.iteration)).toEqual([1, 2, 3, 4]);
  });
});
