/**
 * The bad-input corpus (src/testing/bad-inputs.ts) through the entry points the worker and the page use: each
 * input gets its exact message, and what was there before (a loaded dataset, a run in progress, the link's good
 * settings) is left as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { decodeDataset } from '../core/data/load';
import { DatasetFormatError } from '../core/data/errors';
import { getDataset } from '../core/data/registry';
import { sha256Hex } from '../core/data/sha256';
import { readImport } from '../core/run/imports';
import { DistillRun } from '../core/run/run';
import { configFromSearch } from '../shared/config';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../shared/protocol';
import type { LoadedDataset } from '../core/data/types';
import { CORPUS_SIZE, DATASET_FILES, IMPORTS, LINKS, variantFiles } from './bad-inputs';
import { mnistSubset } from './data';
import { useBackend } from './tf';

/** What must survive every bad input: a decoded dataset and a run part-way through. */
let loaded: LoadedDataset;
let loadedSha: string;
let run: DistillRun;
let runPixels: Float32Array;
let tensors: number;

const hash = (b: Uint8Array) => sha256Hex(b);

beforeAll(async () => {
  await useBackend('cpu');
  loaded = decodeDataset(getDataset('mnist'), 'idx', variantFiles({ dataset: 'mnist', variant: 'idx', file: 'none', bytes: () => new Uint8Array(0) }));
  loadedSha = await hash(loaded.train.images);
  const config: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 1, width: 4, depth: 1, realPerClass: 2, iterations: 100, seed: 11 };
  run = new DistillRun(mnistSubset(4), config);
  await run.prepare();
  for (let i = 0; i < 2; i++) {
    await run.refresh();
    tf.dispose(run.step());
  }
  runPixels = await run.pixels();
  tensors = tf.memory().numTensors;
});

afterAll(() => run?.dispose());

async function expectIntact(): Promise<void> {
  expect(tf.memory().numTensors).toBe(tensors);
  expect(run.iteration).toBe(2);
  expect(await run.pixels()).toEqual(runPixels);
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('the corpus', () => {
  it(`holds at least 30 bad inputs (${CORPUS_SIZE})`, () => {
    expect(CORPUS_SIZE).toBeGreaterThanOrEqual(30);
  });
});

describe('bad dataset files, through decodeDataset (the worker and the CLI)', () => {
  it.each(DATASET_FILES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const err = caught(() => decodeDataset(getDataset(c.dataset), c.variant, variantFiles(c)));
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect((err as DatasetFormatError).message).toBe(c.message);
    expect((err as DatasetFormatError).file).toBe(c.file);
    await expectIntact();
  });

  it('left the dataset that was already loaded as it was', async () => {
    expect(loaded.train.count).toBe(60000);
    expect(await hash(loaded.train.images)).toBe(loadedSha);
  });
});

describe('bad imports, through readImport (the worker’s importFile)', () => {
  it.each(IMPORTS.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const bytes = c.bytes();
    const before = await hash(bytes);
    const err = await readImport(bytes, c.file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect((err as DatasetFormatError).message).toBe(c.message);
    expect(await hash(bytes)).toBe(before);
    await expectIntact();
  });
});

describe('tampered links, through configFromSearch (the page)', () => {
  it.each(LINKS.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const s = configFromSearch(`${c.search}&run=1`);
    expect(s.errors).toEqual(c.errors);
    // A link with errors never starts a run; every setting it got wrong keeps its default, the rest are applied.
    expect(s.run).toBe(false);
    // None of these links says netDraw: one that sets the config was made before it existed and reads it as absent
    // (host), as before; one that sets none of it (an unknown field only, or too long to read) keeps the defaults.
    const { netDraw: _netDraw, ...before } = DEFAULT_RUN_CONFIG;
    expect(s.config).toEqual({ ...(s.present ? before : DEFAULT_RUN_CONFIG), ...c.kept });
  });
});

describe('after the whole corpus', () => {
  it('the run goes on from where it was', async () => {
    await expectIntact();
    await run.refresh();
    const loss = run.step();
    expect(Number.isFinite((await loss.data())[0])).toBe(true);
    loss.dispose();
    expect(run.iteration).toBe(3);
    expect(await run.pixels()).not.toEqual(runPixels);
  });
});
