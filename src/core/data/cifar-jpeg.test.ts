/**
 * The complete CIFAR-10 from its JPEG zip (../shared/datasets/cifar-10-jpeg/cifar10-jpeg.zip), through the registry's
 * 'jpeg-zip' variant: 60000 images, 5000 / 1000 per class, labels by folder in CIFAR's label order, plausible
 * pixels, identical bytes on every decode, and the upload path (the page's) giving the same bytes as the built-in one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { loadDatasetFromDir } from '../../node/datasets';
import { datasetsDir } from '../../testing/tf';
import { classIndices } from './load';
import { decodeImage } from './images';
import { channelStats, decodeOwnFiles } from './own';
import { DATASETS } from './registry';
import { readZipDirectory, readZipEntry } from './zip';

const DIR = datasetsDir();
const ZIP = path.join(DIR, 'cifar-10-jpeg', 'cifar10-jpeg.zip');
const CLASSES = DATASETS['cifar-10'].classes;

describe('CIFAR-10 from the JPEG zip', () => {
  let progressCalls = 0;
  let lastProgress: [number, number] = [0, 0];
  const d = loadDatasetFromDir('cifar-10', DIR, {
    variant: 'jpeg-zip',
    onProgress: (done, total) => {
      progressCalls++;
      lastProgress = [done, total];
    },
  });
  const zipBytes = new Uint8Array(readFileSync(ZIP));
  const entries = readZipDirectory(zipBytes, 'cifar10-jpeg.zip');

  it('has 60000 images, 5000 training and 1000 test per class, labelled by folder in CIFAR order', () => {
    expect(d.variant).toBe('jpeg-zip');
    expect(d.heldOutNote).toBeUndefined();
    expect([d.train.count, d.test.count]).toEqual([50000, 10000]);
    expect([d.train.height, d.train.width, d.train.channels]).toEqual([32, 32, 3]);
    expect(classIndices(d.train, 10).map((i) => i.length)).toEqual(new Array(10).fill(5000));
    expect(classIndices(d.test, 10).map((i) => i.length)).toEqual(new Array(10).fill(1000));
    expect([...CLASSES].sort()).toEqual([...CLASSES]); // alphabetical = CIFAR's label order
    // Training image k of class c is train/<class>/<k>.jpg (the folder gives the label, the name the order).
    const truck = entries.filter((e) => e.name.startsWith('train/truck/')).sort((a, b) => (a.name < b.name ? -1 : 1));
    const first = decodeImage(readZipEntry(zipBytes, truck[0]!, 'cifar10-jpeg.zip'), truck[0]!.name);
    const at = 9 * 5000 * 3072;
    expect(Buffer.from(d.train.images.subarray(at, at + 3072)).equals(Buffer.from(first.rgb))).toBe(true);
    expect(d.train.labels[9 * 5000]).toBe(9);
    expect(progressCalls).toBe(60000);
    expect(lastProgress).toEqual([60000, 60000]);
  });

  it('image 0 decodes to plausible pixels, the same bytes every time', () => {
    const e0 = entries.find((e) => e.name === 'train/airplane/0000.jpg')!;
    const a = decodeImage(readZipEntry(zipBytes, e0, 'z'), e0.name);
    const b = decodeImage(readZipEntry(zipBytes, e0, 'z'), e0.name);
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(Buffer.from(d.train.images.subarray(0, 3072)).equals(Buffer.from(a.rgb))).toBe(true);
    const px = Array.from(a.rgb);
    const mean = px.reduce((s, v) => s + v, 0) / px.length;
    const sd = Math.sqrt(px.reduce((s, v) => s + (v - mean) ** 2, 0) / px.length);
    expect(a.gray).toBe(false);
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(230);
    expect(sd).toBeGreaterThan(5);
    expect(new Set(px).size).toBeGreaterThan(50);
  });

  it("has CIFAR-10's published channel statistics (JPEG is lossy: close, not equal)", () => {
    const { mean, std } = channelStats(d.train);
    DATASETS['cifar-10'].mean.forEach((m, c) => expect(Math.abs(mean[c]! - m)).toBeLessThan(0.005));
    // The published std (0.2023, …) is a per-image average; the pixel-wide std over the set is about 0.247, 0.243, 0.261.
    [0.247, 0.243, 0.261].forEach((s, c) => expect(Math.abs(std[c]! - s)).toBeLessThan(0.005));
  });

  it('uploaded as the page would (a zip of class folders), gives the same bytes as the built-in variant', () => {
    // A sub-zip of the real files: the first 20 training and 5 test images of each class, in scrambled order.
    const picked: Record<string, Uint8Array> = {};
    for (const cls of [...CLASSES].reverse()) {
      for (const [split, n] of [['train', 20], ['test', 5]] as const) {
        entries
          .filter((e) => e.name.startsWith(`${split}/${cls}/`))
          .sort((x, y) => (x.name < y.name ? -1 : 1))
          .slice(0, n)
          .reverse()
          .forEach((e) => (picked[e.name] = readZipEntry(zipBytes, e, 'z')));
      }
    }
    const own = decodeOwnFiles([{ path: 'mine.zip', bytes: zipSync(picked) }]);
    expect(own.spec.classes).toEqual([...CLASSES]);
    expect([own.train.count, own.test.count]).toEqual([200, 50]);
    for (let c = 0; c < 10; c++) {
      const mineTrain = own.train.images.subarray(c * 20 * 3072, (c + 1) * 20 * 3072);
      const builtIn = d.train.images.subarray(c * 5000 * 3072, (c * 5000 + 20) * 3072);
      expect(Buffer.from(mineTrain).equals(Buffer.from(builtIn)), CLASSES[c]).toBe(true);
      const mineTest = own.test.images.subarray(c * 5 * 3072, (c + 1) * 5 * 3072);
      const builtInTest = d.test.images.subarray(c * 1000 * 3072, (c * 1000 + 5) * 3072);
      expect(Buffer.from(mineTest).equals(Buffer.from(builtInTest)), CLASSES[c]).toBe(true);
    }
  });
});
