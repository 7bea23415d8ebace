/**
 * The files slice: imports (too big or unreadable: named, nothing changes; a run record: its config goes to the
 * controls; a set: it becomes what the page shows and what a run can continue from; during a run: refused) and
 * exports (downloaded; a failure is shown). e2e/files.spec.ts runs the real formats.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromSearch, MAX_IMPORT_BYTES } from '../../shared/config';
import type { ImportSummary } from '../../shared/protocol';
import { fake, grid } from './testing';

const downloads: { name: string; bytes: number }[] = [];
vi.mock('../engine', () => import('./testing').then((m) => m.engineModule));
vi.mock('../lib/download', () => ({ downloadFile: (bytes: Uint8Array, name: string) => downloads.push({ name, bytes: bytes.length }) }));

const { createAppStore } = await import('../store');

async function readyStore(search = '?iterations=2&ipc=1') {
  fake.listeners.clear();
  const store = createAppStore(configFromSearch(search));
  await store.getState().boot();
  return store;
}

const file = (name: string, size = 4) => new File([new Uint8Array(size)], name);

function setSummary(config: ImportSummary['config']): Extract<ImportSummary, { kind: 'set' }> {
  return { kind: 'set', file: 'set.npz', sha256: 'e'.repeat(64), dataset: config.dataset as 'fashion-mnist', ipc: 2, config, configNote: '', grid: grid(2) };
}

beforeEach(() => {
  fake.reset();
  downloads.length = 0;
});

describe('files slice', () => {
  it('a file over the limit or one the engine cannot read is named and changes nothing', async () => {
    const store = await readyStore();
    await store.getState().start();
    const before = { grid: store.getState().grid, sha: store.getState().syntheticSha256 };
    const big = { name: 'huge.npz', size: MAX_IMPORT_BYTES + 1, arrayBuffer: async () => new ArrayBuffer(0) } as unknown as File;
    await store.getState().importFile(big);
    expect(store.getState()).toMatchObject({ importStatus: 'error', importError: `huge.npz: the file has ${MAX_IMPORT_BYTES + 1} bytes; at most ${MAX_IMPORT_BYTES} are accepted` });
    fake.importError = new Error('bad.npz: not a zip archive');
    await store.getState().importFile(file('bad.npz'));
    expect(store.getState()).toMatchObject({ importStatus: 'error', importError: 'bad.npz: not a zip archive', imported: null, grid: before.grid, syntheticSha256: before.sha });
    store.getState().dismissImport();
    expect(store.getState()).toMatchObject({ importStatus: 'idle', importError: null });
  });

  it('a run record puts its config in the controls (loading its dataset); a set becomes what the page shows', async () => {
    const store = await readyStore();
    const recordConfig = { ...store.getState().config, dataset: 'fashion-mnist' as const, ipc: 5 };
    fake.importResult = { kind: 'record', file: 'run.json', config: recordConfig, syntheticSha256: 'd'.repeat(64), backend: 'wasm', iterations: 2, createdAt: '', accuracy: null };
    await store.getState().importFile(file('run.json'));
    expect(store.getState()).toMatchObject({ config: recordConfig, datasetId: 'fashion-mnist', datasetStatus: 'ready', importedRecord: { file: 'run.json' }, importStatus: 'idle' });
    const set = setSummary({ ...recordConfig, ipc: 2 });
    fake.importResult = set;
    await store.getState().importFile(file('set.npz'));
    expect(store.getState()).toMatchObject({ imported: set, runConfig: set.config, grid: set.grid, runStatus: 'idle', lossPoints: [] });
  });

  it('a good file is refused while a run is going; the run is untouched', async () => {
    const store = await readyStore();
    fake.mode = 'manual';
    void store.getState().start();
    fake.importResult = setSummary({ ...store.getState().config });
    await store.getState().importFile(file('set.npz'));
    expect(store.getState()).toMatchObject({ importStatus: 'error', importError: 'set.npz: a .npz set; stop the run, or let it finish, before importing it', imported: null, runStatus: 'loading' });
    await store.getState().stop();
  });

  it('Continue distils further from the imported set: its dataset and images per class, the rest from the controls', async () => {
    const store = await readyStore();
    fake.importResult = setSummary({ ...store.getState().config, dataset: 'fashion-mnist', ipc: 2 });
    await store.getState().importFile(file('set.npz'));
    store.getState().setConfig({ iterations: 3 });
    await store.getState().continueFromImport();
    expect(fake.run.options?.fromImport).toBe(true);
    expect(fake.run.config).toMatchObject({ dataset: 'fashion-mnist', ipc: 2, iterations: 3 });
    expect(store.getState()).toMatchObject({ startedFromFile: 'set.npz', runStatus: 'done' });
  });

  it('an export is downloaded under the engine’s name; a failed one says why', async () => {
    const store = await readyStore();
    await store.getState().start();
    await store.getState().exportSet('npz');
    expect(downloads).toEqual([{ name: 'set.npz', bytes: 3 }]);
    expect(store.getState()).toMatchObject({ exporting: null, exportError: null });
    fake.exportError = new Error('no synthetic set yet');
    await store.getState().exportSet('png');
    expect(store.getState()).toMatchObject({ exporting: null, exportError: 'no synthetic set yet' });
    expect(downloads).toHaveLength(1);
  });
});
