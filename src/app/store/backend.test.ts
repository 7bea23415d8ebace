/**
 * The backend slice: the backend comes up before the dataset loads, a failure says what to do, choosing another
 * backend starts a fresh worker (and forgets an uploaded dataset), "Measure again" asks for a fresh probe once.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromSearch } from '../../shared/config';
import { fake } from './testing';

vi.mock('../engine', () => import('./testing').then((m) => m.engineModule));

const { createAppStore } = await import('../store');

function storeFor(search = '') {
  fake.listeners.clear();
  return createAppStore(configFromSearch(search));
}

beforeEach(() => fake.reset());

describe('backend slice', () => {
  it('the preferred backend comes up once per worker, while the dataset downloads (asked for first)', async () => {
    const store = storeFor('?backend=webgl');
    await store.getState().boot();
    expect(store.getState()).toMatchObject({ backendStatus: 'ready', backend: { backend: 'webgl' }, datasetStatus: 'ready' });
    expect(fake.calls).toEqual(['loadDataset:mnist', 'initBackend:webgl']);
    await store.getState().loadDataset('fashion-mnist');
    expect(fake.calls.slice(2)).toEqual(['loadDataset:fashion-mnist']);
  });

  it('a backend that cannot start is an error with a hint, and the dataset (requested alongside) is not shown as ready', async () => {
    fake.backendError = new Error('WebGPU is not available');
    const store = storeFor('?backend=webgpu');
    await store.getState().boot();
    const s = store.getState();
    expect(s.backendStatus).toBe('error');
    expect(s.datasetStatus).toBe('error');
    expect(s.error).toMatchObject({ source: 'backend', title: 'No compute backend could be started', message: 'WebGPU is not available', retry: true });
    expect(s.error?.hint).toMatch(/WASM and CPU work in every browser/);
    // The worker downloads the dataset while the backend starts; the backend's error is the one shown, and no sample.
    expect(fake.calls.some((c) => c.startsWith('loadDataset'))).toBe(true);
    expect(s.dataset).toBeNull();
  });

  it('choosing another backend: a fresh worker, the run cleared, an uploaded dataset replaced by MNIST', async () => {
    const store = storeFor('?iterations=2');
    await store.getState().boot();
    await store.getState().uploadDataset([{ file: new File([new Uint8Array(8)], 'a.idx'), path: 'a.idx' }]);
    await store.getState().start();
    expect(store.getState()).toMatchObject({ datasetId: 'custom', uploadedName: 'my digits', runStatus: 'done' });
    await store.getState().chooseBackend('cpu');
    const s = store.getState();
    expect(fake.calls).toContain('restartEngine');
    expect(fake.initBackend.at(-1)?.preference).toBe('cpu');
    expect(s).toMatchObject({ backendPreference: 'cpu', backend: { backend: 'cpu' }, datasetId: 'mnist', datasetStatus: 'ready', uploadedName: null, runStatus: 'idle', lossPoints: [] });
    // The same choice again changes nothing.
    const calls = fake.calls.length;
    await store.getState().chooseBackend('cpu');
    expect(fake.calls).toHaveLength(calls);
  });

  it('"Measure again" goes back to Auto and asks for a fresh probe, once', async () => {
    const store = storeFor('?backend=cpu');
    await store.getState().boot();
    await store.getState().measureBackends();
    expect(store.getState().backendPreference).toBe('auto');
    expect(fake.initBackend.map((c) => [c.preference, c.remeasure])).toEqual([
      ['cpu', false],
      ['auto', true],
    ]);
    await store.getState().retry();
    expect(fake.initBackend.at(-1)).toMatchObject({ preference: 'auto', remeasure: false });
  });
});
