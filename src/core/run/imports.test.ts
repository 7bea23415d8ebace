import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { readImport, MAX_IMPORT_BYTES } from './imports';
import { buildRunRecord } from './record';
import { DistillRun } from './run';
import { classMajorSet, encodeNpz } from '../data/npz';
import { getDataset } from '../data/registry';
import { sha256Hex } from '../data/sha256';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/protocol';
import { completeConfig } from '../../shared/config';
import { useBackend } from '../../testing/tf';
import { mnistSubset } from '../../testing/data';
import type { RealData } from '../data/batches';

const enc = (s: string) => new TextEncoder().encode(s);
const config: RunConfig = completeConfig({ ...DEFAULT_RUN_CONFIG, ipc: 2, width: 8, realPerClass: 4, iterations: 6, seed: 5 });
const mnist = getDataset('mnist');
const app = { name: 'distill-playground', version: 'test' };

function setPixels(ipc: number): Float32Array {
  const [h, w, c] = mnist.shape;
  return Float32Array.from({ length: 10 * ipc * h * w * c }, (_, i) => Math.sin(i) * 2);
}

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const r = buildRunRecord({
    app,
    config,
    dataset: { id: 'mnist', variant: 'idx', trainCount: 60000, testCount: 10000 },
    initial: { chosen: [] },
    backend: 'cpu',
    iterations: [{ iteration: 1, loss: 0.5, ms: 12 }],
    syntheticSha256: 'a'.repeat(64),
    evaluation: null,
    accuracy: null,
  });
  return { ...r, ...overrides };
}

describe('readImport: the files a user brings back', () => {
  it('reads an exported .npz: pixels unchanged, the file’s own configuration, the bytes’ sha256', async () => {
    const pixels = setPixels(2);
    const bytes = encodeNpz(classMajorSet(mnist, pixels, 2, { app, method: 'dm', config }));
    const got = await readImport(bytes, 'set.npz');
    expect(got.kind).toBe('set');
    if (got.kind !== 'set') return;
    expect(got.dataset).toBe('mnist');
    expect(got.ipc).toBe(2);
    expect(got.pixels).toEqual(pixels);
    expect(got.config).toEqual(config);
    expect(got.configNote).toMatch(/file's own configuration/);
    expect(got.sha256).toBe(await sha256Hex(bytes));
  });

  it('takes the defaults (with the set’s dataset and ipc) when the file has no usable configuration', async () => {
    const bare = await readImport(encodeNpz(classMajorSet(mnist, setPixels(1), 1)), 'bare.npz');
    expect(bare.kind === 'set' && bare.config).toEqual({ ...DEFAULT_RUN_CONFIG, dataset: 'mnist', ipc: 1 });
    expect(bare.kind === 'set' && bare.configNote).toMatch(/no configuration/);
    const odd = await readImport(encodeNpz(classMajorSet(mnist, setPixels(1), 1, { config: { ...config, width: 100000 } })), 'odd.npz');
    expect(odd.kind === 'set' && odd.configNote).toMatch(/not usable here: width must be/);
    expect(odd.kind === 'set' && odd.config.width).toBe(DEFAULT_RUN_CONFIG.width);
  });

  it('reads a run record and checks its configuration against the page’s limits', async () => {
    const got = await readImport(enc(JSON.stringify(record())), 'run.json');
    expect(got.kind).toBe('record');
    expect(got.config).toEqual(config);
    await expect(readImport(enc(`\ufeff  ${JSON.stringify(record())}`), 'bom.json')).resolves.toMatchObject({ kind: 'record' });
    const big = record({ config: { ...config, ipc: 500 } });
    await expect(readImport(enc(JSON.stringify(big)), 'big.json')).rejects.toThrow(/^big\.json: its configuration is outside what the page runs: ipc must be a whole number from 1 to 50/);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['empty.npz', new Uint8Array(0), /^empty\.npz: the file is empty$/],
    ['text.txt', enc('hello'), /^text\.txt: neither a \.npz set .* nor a run record/],
    ['broken.json', enc('{"schema": '), /^broken\.json: not valid JSON/],
    ['eval.json', enc(JSON.stringify({ schema: 'distill-playground/eval-record@1' })), /^eval\.json: a 'distill-playground\/eval-record@1' document, not a run record/],
    ['plain.json', enc('{"a": 1}'), /^plain\.json: not a run record: it has no "schema"/],
    ['field.json', enc(JSON.stringify(record({ syntheticSha256: 'xyz' }))), /^field\.json: not a valid run record: syntheticSha256:/],
    ['method.json', enc(JSON.stringify(record({ config: { ...config, method: 'magic' } }))), /^method\.json: not a valid run record: config\.method:/],
    ['latin1.json', Uint8Array.from([0x7b, 0xff, 0x7d]), /^latin1\.json: not valid JSON/],
    ['nolabels.npz', zipSync({ 'images.npy': new Uint8Array(16) }), /^nolabels\.npz: /],
    ['uneven.npz', encodeNpz({ ...classMajorSet(mnist, setPixels(2), 2), ipc: null, labels: Int32Array.from({ length: 20 }, (_, i) => (i < 3 ? 0 : 1 + (i % 9))) }), /^uneven\.npz: the set has .* images per class; the evaluation needs the same number/],
  ];
  for (const [name, bytes, message] of bad) {
    it(`refuses ${name} with a message naming it`, async () => {
      await expect(readImport(bytes, name)).rejects.toThrow(message);
    });
  }

  it('refuses an oversized file before parsing it', async () => {
    // A view claiming more bytes than allowed: only its length is looked at.
    const huge = new Uint8Array(MAX_IMPORT_BYTES + 1);
    await expect(readImport(huge, 'huge.npz')).rejects.toThrow(/^huge\.npz: the file has \d+ bytes; at most \d+ are accepted$/);
  });
});

describe('DistillRun.startFrom: distilling further from an imported set', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('cpu');
    data = mnistSubset(12);
  });

  it('starts from the given pixels, goes on from them, and is as deterministic as any run', async () => {
    const cfg: RunConfig = { ...config, ipc: 1 };
    const start = setPixels(1).map((v) => v / 4);
    const before = tf.memory().numTensors;
    const shas: string[] = [];
    for (let k = 0; k < 2; k++) {
      const run = new DistillRun(data, cfg);
      run.startFrom(start);
      await run.prepare();
      expect(await run.pixels()).toEqual(start);
      for (let i = 0; i < 3; i++) {
        await run.refresh();
        tf.dispose(run.step());
      }
      const p = await run.pixels();
      expect(p).not.toEqual(start);
      shas.push(await sha256Hex(new Uint8Array(p.buffer)));
      run.dispose();
    }
    expect(shas[0]).toBe(shas[1]);
    expect(tf.memory().numTensors).toBe(before);
    const wrong = new DistillRun(data, cfg);
    expect(() => wrong.startFrom(setPixels(2))).toThrow(/holds 15680 values; this run's set has 7840/);
    wrong.dispose();
  });
});
