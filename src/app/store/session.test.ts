/**
 * The session slice: the opening link (an uploaded dataset's link opens on the default dataset and says why),
 * the controls' config, and boot (a clean `run=1` link starts its run once the dataset is loaded).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromSearch } from '../../shared/config';
import { fake } from './testing';

vi.mock('../engine', () => import('./testing').then((m) => m.engineModule));

const { createAppStore } = await import('../store');
const { openingLink } = await import('./session');

function storeFor(search: string) {
  fake.listeners.clear();
  return createAppStore(openingLink(configFromSearch(search)));
}

beforeEach(() => fake.reset());

describe('session slice', () => {
  it('a link to an uploaded dataset opens on MNIST, keeps its other settings and does not run', () => {
    const link = openingLink(configFromSearch(`?dataset=custom&ipc=3&datasetSha256=${'ab'.repeat(32)}&run=1`));
    expect(link.config.dataset).toBe('mnist');
    expect(link.config.ipc).toBe(3);
    expect(link.config.datasetSha256).toBeUndefined();
    expect(link.run).toBe(false);
    expect(link.errors.at(-1)).toMatch(/uploaded in the page \(fingerprint abababababab…\); a link cannot carry the files, so MNIST is loaded/);
  });

  it('the store opens on the link: config, dataset, backend and its errors', () => {
    const store = storeFor('?dataset=fashion-mnist&ipc=2&backend=cpu&iterations=banana');
    const s = store.getState();
    expect(s.config).toMatchObject({ dataset: 'fashion-mnist', ipc: 2 });
    expect(s.datasetId).toBe('fashion-mnist');
    expect(s.backendPreference).toBe('cpu');
    expect(s.linkErrors.join(' ')).toMatch(/iterations/);
    s.dismissLinkErrors();
    expect(store.getState().linkErrors).toEqual([]);
  });

  it('boot loads the dataset once; a run=1 link starts its run then, and only once', async () => {
    const store = storeFor('?iterations=2&ipc=1&run=1');
    await store.getState().boot();
    expect(store.getState()).toMatchObject({ datasetStatus: 'ready', runStatus: 'done', iteration: 2 });
    expect(fake.runs).toHaveLength(1);
    await store.getState().boot();
    expect(fake.calls.filter((c) => c.startsWith('loadDataset'))).toHaveLength(1);
    expect(fake.runs).toHaveLength(1);
  });

  it('setConfig and applyConfig change nothing while a run is active; applyConfig loads another dataset', async () => {
    const store = storeFor('?iterations=2');
    await store.getState().boot();
    store.getState().setConfig({ ipc: 7 });
    expect(store.getState().config.ipc).toBe(7);
    fake.mode = 'manual';
    void store.getState().start();
    store.getState().setConfig({ ipc: 9 });
    await store.getState().applyConfig({ ...store.getState().config, dataset: 'cifar-10' });
    expect(store.getState().config).toMatchObject({ ipc: 7, dataset: 'mnist' });
    fake.run.emit({ type: 'done', iteration: 0, reason: 'stopped' });
    fake.run.finish();
    await vi.waitFor(() => expect(store.getState().runStatus).toBe('done'));
    await store.getState().applyConfig({ ...store.getState().config, dataset: 'cifar-10', ipc: 1 });
    expect(store.getState()).toMatchObject({ datasetId: 'cifar-10', datasetStatus: 'ready' });
    expect(store.getState().config).toMatchObject({ dataset: 'cifar-10', ipc: 1 });
  });
});
