/**
 * The dataset slice: loads (the latest choice wins), a failed load says what to do, uploads (too big: refused
 * naming the files, the loaded dataset kept; accepted: the dataset is 'custom' and the config carries its
 * fingerprint), and the dataset cache (none in Node: reported as unavailable).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromSearch, MAX_DATASET_BYTES } from '../../shared/config';
import { fake } from './testing';

vi.mock('../engine', () => import('./testing').then((m) => m.engineModule));

const { createAppStore } = await import('../store');

async function readyStore(search = '?iterations=2') {
  fake.listeners.clear();
  const store = createAppStore(configFromSearch(search));
  await store.getState().boot();
  return store;
}

beforeEach(() => fake.reset());

describe('dataset slice', () => {
  it('of two loads asked at once only the later reaches the engine', async () => {
    const store = await readyStore();
    const first = store.getState().loadDataset('fashion-mnist');
    const second = store.getState().loadDataset('cifar-10');
    expect(store.getState()).toMatchObject({ datasetId: 'cifar-10', datasetStatus: 'loading', dataset: null });
    await Promise.all([first, second]);
    expect(store.getState()).toMatchObject({ datasetId: 'cifar-10', datasetStatus: 'ready', dataset: { id: 'cifar-10' }, loadProgress: null });
    expect(fake.calls.filter((c) => c.startsWith('loadDataset'))).toEqual(['loadDataset:mnist', 'loadDataset:cifar-10']);
  });

  it('a load already in the engine when another is chosen finishes there, and its result is dropped', async () => {
    const store = await readyStore();
    let open = () => {};
    fake.datasetGates['fashion-mnist'] = new Promise<void>((r) => (open = r));
    const first = store.getState().loadDataset('fashion-mnist');
    await vi.waitFor(() => expect(fake.calls.at(-1)).toBe('loadDataset:fashion-mnist'));
    const second = store.getState().loadDataset('cifar-10');
    // The engine takes one load at a time: the second waits for the first.
    await new Promise((r) => setTimeout(r, 5));
    expect(fake.calls.at(-1)).toBe('loadDataset:fashion-mnist');
    open();
    await Promise.all([first, second]);
    expect(fake.calls.at(-1)).toBe('loadDataset:cifar-10');
    expect(store.getState()).toMatchObject({ datasetId: 'cifar-10', datasetStatus: 'ready', dataset: { id: 'cifar-10' } });
    expect(store.getState().config.dataset).toBe('cifar-10');
  });

  it('a load clears the last run; a failed one says where the datasets come from and offers Try again', async () => {
    const store = await readyStore();
    await store.getState().start();
    fake.datasetErrors['cifar-10'] = new Error('cifar-10/data_batch_1.bin: 404');
    await store.getState().loadDataset('cifar-10');
    const s = store.getState();
    expect(s).toMatchObject({ datasetStatus: 'error', loadError: 'cifar-10/data_batch_1.bin: 404', runStatus: 'idle', lossPoints: [], syntheticSha256: null });
    expect(s.error).toMatchObject({ source: 'dataset', title: 'CIFAR-10 could not be loaded', retry: true });
    expect(s.error?.hint).toMatch(/npm run datasets/);
    delete fake.datasetErrors['cifar-10'];
    await s.retry();
    expect(store.getState()).toMatchObject({ datasetStatus: 'ready', error: null });
  });

  it('an upload over the limit is refused naming what was dropped; the loaded dataset stays', async () => {
    const store = await readyStore();
    const big = { size: MAX_DATASET_BYTES + 1, arrayBuffer: async () => new ArrayBuffer(0) } as unknown as File;
    await store.getState().uploadDataset([{ file: big, path: 'digits/train.zip' }]);
    const s = store.getState();
    expect(s.uploadStatus).toBe('error');
    expect(s.uploadError).toBe(`digits/train.zip: ${MAX_DATASET_BYTES + 1} bytes in all; at most ${MAX_DATASET_BYTES} are accepted`);
    expect(s).toMatchObject({ datasetId: 'mnist', datasetStatus: 'ready' });
    s.dismissUploadError();
    expect(store.getState()).toMatchObject({ uploadStatus: 'idle', uploadError: null });
  });

  it('an accepted upload becomes the dataset "custom", with its fingerprint in the config; a refused one keeps it', async () => {
    const store = await readyStore();
    const files = [
      { file: new File([new Uint8Array(4)], 'x.png'), path: 'mine/0/x.png' },
      { file: new File([new Uint8Array(4)], 'y.png'), path: 'mine/1/y.png' },
    ];
    await store.getState().uploadDataset(files);
    expect(fake.calls.at(-1)).toBe('loadOwnDataset:mine/0/x.png,mine/1/y.png');
    expect(store.getState()).toMatchObject({ datasetId: 'custom', datasetStatus: 'ready', uploadedName: 'my digits', uploadStatus: 'idle' });
    expect(store.getState().config).toMatchObject({ dataset: 'custom', datasetSha256: 'f'.repeat(64) });
    fake.ownDatasetError = new Error('mine/2/z.txt: not an image');
    await store.getState().uploadDataset(files);
    expect(store.getState()).toMatchObject({ uploadStatus: 'error', uploadError: 'mine/2/z.txt: not an image', datasetId: 'custom', dataset: { name: 'my digits' } });
    // Back to a built-in dataset: the fingerprint goes.
    await store.getState().loadDataset('mnist');
    expect(store.getState().config.datasetSha256).toBeUndefined();
  });

  it('the dataset cache is looked at after a load (no Cache API here: unavailable)', async () => {
    const store = await readyStore();
    await vi.waitFor(() => expect(store.getState().datasetCache).toEqual({ available: false, files: 0, bytes: 0, datasets: [] }));
    await store.getState().clearDatasetCache();
    expect(store.getState().datasetCache?.available).toBe(false);
  });
});
