/**
 * A user's own dataset from small files the tests build (fflate zips of real PNG/JPEG encodings, hand-made IDX),
 * every refusal with its exact message, and the real MNIST IDX files and partial CIFAR-10 batch as uploads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encode as encodePngFile } from 'fast-png';
import { gzipSync, zipSync, type Zippable } from 'fflate';
import { encode as encodeJpegFile } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { datasetsDir } from '../../testing/tf';
import { loadDatasetFromDir } from '../../node/datasets';
import { DatasetFormatError } from './errors';
import { decodeImage } from './images';
import { channelStats, datasetSha256, decodeOwnFiles, type OwnFile } from './own';
import { readZipDirectory } from './zip';

const DIR = datasetsDir();

/** A w x h PNG whose pixels are a function of (x, y, seed): grey (1 channel) or RGB. */
function png(w: number, h: number, seed: number, channels: 1 | 3 = 3): Uint8Array {
  const data = new Uint8Array(w * h * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101) % 256;
  return encodePngFile({ width: w, height: h, data, channels, depth: 8 });
}

function jpeg(w: number, h: number, seed: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + seed * 7) % 256;
  return new Uint8Array(encodeJpegFile({ width: w, height: h, data }, 90).data);
}

function zip(files: Record<string, Uint8Array | null>): Uint8Array {
  // null: a folder entry.
  const tree: Zippable = {};
  for (const [name, bytes] of Object.entries(files)) tree[name] = bytes ?? new Uint8Array(0);
  return zipSync(tree, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') });
}

const upload = (name: string, bytes: Uint8Array): OwnFile[] => [{ path: name, bytes }];
const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetFormatError);
    return (e as Error).message;
  }
  throw new Error('expected a DatasetFormatError');
};

/** A big-endian IDX file of unsigned bytes. */
function idx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 + dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

describe('a zip of class folders', () => {
  const classes = { cat: [0, 1, 2, 3, 4], dog: [5, 6, 7, 8, 9], emu: [10, 11, 12, 13, 14] };
  const files: Record<string, Uint8Array> = {};
  for (const [cls, seeds] of Object.entries(classes)) for (const s of seeds) files[`${cls}/${String(s).padStart(3, '0')}.png`] = png(8, 6, s);

  it('takes class names from the folders (sorted), labels 0..K-1, holds out 20% per class and says so', () => {
    const d = decodeOwnFiles(upload('pets.zip', zip(files)));
    expect(d.spec).toMatchObject({ id: 'custom', name: 'pets.zip', classes: ['cat', 'dog', 'emu'], shape: [6, 8, 3] });
    expect(d.format).toBe('zip');
    expect(d.train.count + d.test.count).toBe(15);
    expect(Array.from(d.train.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(Array.from(d.test.labels)).toEqual([0, 1, 2]);
    expect(d.heldOutNote).toBe(
      'pets.zip has no test split: 3 of its 15 images are held out as the test set (the last 20% of each class, in file order), leaving 12 for training.',
    );
    // The first training image is cat/000.png's pixels, exactly.
    expect(Array.from(d.train.images.subarray(0, 48))).toEqual(Array.from(decodeImage(files['cat/000.png']!, 'x.png').rgb.subarray(0, 48)));
    // Normalisation from its own training images.
    const stats = channelStats(d.train);
    expect(d.spec.mean).toEqual(stats.mean);
    expect(d.spec.std).toEqual(stats.std);
    expect(stats.mean[0]!).toBeGreaterThan(0.2);
    expect(stats.mean[0]!).toBeLessThan(0.8);
  });

  it('gives the same bytes and fingerprint as the same folder picked in the page, in any file order', async () => {
    const fromZip = decodeOwnFiles(upload('pets.zip', zip(files)));
    const entries = Object.entries(files).reverse();
    const fromFolder = decodeOwnFiles(entries.map(([p, bytes]) => ({ path: `pets/${p}`, bytes })));
    expect(fromFolder.format).toBe('folder');
    expect(fromFolder.spec.name).toBe('pets');
    expect(Buffer.from(fromFolder.train.images).equals(Buffer.from(fromZip.train.images))).toBe(true);
    expect(await datasetSha256(fromFolder)).toBe(await datasetSha256(fromZip));
    // Another pixel changes the fingerprint.
    const changed = { ...files, 'dog/005.png': png(8, 6, 99) };
    expect(await datasetSha256(decodeOwnFiles(upload('pets.zip', zip(changed))))).not.toBe(await datasetSha256(fromZip));
  });

  it('reads train/ and test/ splits (under a top folder too), JPEG and PNG, grey images as 1 channel', () => {
    const z = zip({
      'digits/train/0/a.png': png(5, 5, 1, 1),
      'digits/train/0/b.png': png(5, 5, 2, 1),
      'digits/train/1/a.png': png(5, 5, 3, 1),
      'digits/test/0/c.png': png(5, 5, 4, 1),
      'digits/test/1/d.png': png(5, 5, 5, 1),
    });
    const d = decodeOwnFiles(upload('digits.zip', z));
    expect(d.spec.shape).toEqual([5, 5, 1]);
    expect(d.heldOutNote).toBeUndefined();
    expect([d.train.count, d.test.count]).toEqual([3, 2]);
    expect(Array.from(d.test.labels)).toEqual([0, 1]);
    const j = decodeOwnFiles(upload('j.zip', zip({ 'a/1.jpg': jpeg(16, 16, 1), 'a/2.jpeg': jpeg(16, 16, 2), 'b/1.JPG': jpeg(16, 16, 3) })));
    expect(j.spec.shape).toEqual([16, 16, 3]);
    expect(j.train.count + j.test.count).toBe(3);
  });

  it('skips a non-image in an image folder and names it; ignores system files', () => {
    const z = zip({ ...files, 'cat/notes.txt': new TextEncoder().encode('hello'), 'dog/.DS_Store': new Uint8Array([0, 1]), '__MACOSX/cat/._000.png': new Uint8Array([1]) });
    const d = decodeOwnFiles(upload('pets.zip', z));
    expect(d.train.count + d.test.count).toBe(15);
    expect(d.notes).toEqual(['Skipped 1 file that is not a PNG or JPEG image: cat/notes.txt.', 'Ignored 2 system files (.DS_Store, __MACOSX/, Thumbs.db).']);
  });

  it('refuses images of mixed sizes, naming a file of each size', () => {
    const z = zip({ ...files, 'dog/big.png': png(9, 6, 1) });
    expect(message(() => decodeOwnFiles(upload('pets.zip', z)))).toBe(
      'pets.zip: images of mixed sizes: cat/000.png is 8x6, dog/big.png is 9x6; every image must be the same size',
    );
  });

  it('refuses a class folder with no images', () => {
    const z = zip({ ...files, 'bird/': null, 'bird/readme.md': new Uint8Array([65]) });
    expect(message(() => decodeOwnFiles(upload('pets.zip', z)))).toBe('pets.zip: bird/: a class folder with no images (PNG or JPEG)');
  });

  it('refuses fewer than 2 classes', () => {
    const z = zip({ 'cat/1.png': png(4, 4, 1), 'cat/2.png': png(4, 4, 2) });
    expect(message(() => decodeOwnFiles(upload('one.zip', z)))).toBe('one.zip: 1 class folder (cat); at least 2 are needed, one folder of images per class');
  });

  it('refuses an image outside any class folder, a test class train/ lacks', () => {
    expect(message(() => decodeOwnFiles(upload('flat.zip', zip({ 'a.png': png(4, 4, 1), 'b.png': png(4, 4, 2) }))))).toBe(
      'a.png: an image outside any class folder: lay the images out as <class>/<image>.png (or train/<class>/… and test/<class>/…)',
    );
    const z = zip({ 'train/a/1.png': png(4, 4, 1), 'train/b/1.png': png(4, 4, 2), 'test/zebra/1.png': png(4, 4, 3) });
    expect(message(() => decodeOwnFiles(upload('s.zip', z)))).toBe('s.zip: test/zebra/: a test class that train/ does not have (train has a, b)');
  });

  it('refuses an empty file, an empty image, a corrupt image', () => {
    expect(message(() => decodeOwnFiles(upload('e.zip', new Uint8Array(0))))).toBe('e.zip: empty file (0 bytes)');
    expect(message(() => decodeOwnFiles(upload('pets.zip', zip({ ...files, 'cat/zero.png': new Uint8Array(0) }))))).toBe('cat/zero.png: empty file (0 bytes)');
    const bad = png(8, 6, 3).slice(0, 40);
    expect(message(() => decodeOwnFiles(upload('pets.zip', zip({ ...files, 'cat/bad.png': bad }))))).toMatch(/^cat\/bad\.png: corrupt PNG \(/);
  });

  it('refuses a truncated or corrupt zip', () => {
    const z = zip(files);
    expect(message(() => decodeOwnFiles(upload('pets.zip', z.subarray(0, z.length - 30))))).toBe(
      'pets.zip: corrupt or truncated zip: no end-of-central-directory record (the end of the file is missing)',
    );
    const flipped = z.slice();
    flipped[200]! ^= 0xff; // inside the first entry's compressed data
    expect(message(() => decodeOwnFiles(upload('pets.zip', flipped)))).toMatch(/^pets\.zip: cat\/000\.png: corrupt or truncated zip: cat\/000\.png: (CRC-32 mismatch \(damaged data\)|bad deflate data|inflated to)/);
  });

  it('refuses a zip bomb from its central directory, before inflating anything', () => {
    // A real bomb: 2 MiB of zeros deflates to about 2 KB; refused under a 1 MiB limit.
    const bomb = zipSync({ 'a/zeros.png': new Uint8Array(2 ** 21), 'b/zeros.png': new Uint8Array(8) });
    expect(bomb.length).toBeLessThan(10_000);
    expect(message(() => readZipDirectory(bomb, 'bomb.zip', { maxUnpackedBytes: 2 ** 20 }))).toBe(
      "bomb.zip: the zip's entries unpack to more than 1048576 bytes (the limit), 1 of 2 entries already claim 2097152: a zip bomb or too large a dataset; nothing was unpacked",
    );
    // A directory that claims 3 GiB for a small entry: refused under the default limit, from the directory alone.
    const lying = zip(files);
    const view = new DataView(lying.buffer, lying.byteOffset);
    const cd = view.getUint32(lying.length - 22 + 16, true);
    view.setUint32(cd + 24, 3 * 2 ** 30, true);
    expect(message(() => decodeOwnFiles(upload('lying.zip', lying)))).toMatch(
      /^lying\.zip: the zip's entries unpack to more than 268435456 bytes \(the limit\), 1 of 15 entries already claim 3221225472/,
    );
    expect(message(() => readZipDirectory(zip(files), 'many.zip', { maxEntries: 10 }))).toBe(
      'many.zip: the zip lists 15 entries, more than the 10 accepted; nothing was unpacked',
    );
  });
});

describe('IDX uploads', () => {
  const images = idx([6, 2, 3], Array.from({ length: 36 }, (_, i) => i * 7));
  const labels = idx([6], [0, 1, 2, 0, 1, 2]);

  it('reads a hand-made pair (gzipped or not), classes 0..K-1, holds out 20% without a test pair', () => {
    const d = decodeOwnFiles([
      { path: 'mine-images-idx3-ubyte.gz', bytes: gzipSync(images) },
      { path: 'mine-labels-idx1-ubyte', bytes: labels },
    ]);
    expect(d.format).toBe('idx');
    expect(d.spec).toMatchObject({ classes: ['0', '1', '2'], shape: [2, 3, 1], name: 'mine-images-idx3-ubyte.gz' });
    expect(d.train.count + d.test.count).toBe(6);
    expect(d.heldOutNote).toMatch(/^mine-images-idx3-ubyte\.gz has no test split: 1 of its 6 images are held out/);
  });

  it('tells test from train by name (t10k / test)', () => {
    const d = decodeOwnFiles([
      { path: 'train-images.idx3-ubyte', bytes: images },
      { path: 'train-labels.idx1-ubyte', bytes: labels },
      { path: 'test-images.idx3-ubyte', bytes: idx([2, 2, 3], new Array(12).fill(9)) },
      { path: 'test-labels.idx1-ubyte', bytes: idx([2], [2, 0]) },
    ]);
    expect([d.train.count, d.test.count]).toEqual([6, 2]);
    expect(Array.from(d.test.labels)).toEqual([2, 0]);
  });

  it('refuses counts that differ, labels out of range, a missing half, truncated gzip', () => {
    expect(message(() => decodeOwnFiles([
      { path: 'a-images-idx3-ubyte', bytes: images },
      { path: 'a-labels-idx1-ubyte', bytes: idx([5], [0, 1, 2, 0, 1]) },
    ]))).toBe('a-labels-idx1-ubyte: 5 labels, but a-images-idx3-ubyte has 6 images');
    expect(message(() => decodeOwnFiles([
      { path: 'a-images-idx3-ubyte', bytes: images },
      { path: 'a-labels-idx1-ubyte', bytes: labels },
      { path: 't10k-images-idx3-ubyte', bytes: idx([1, 2, 3], new Array(6).fill(0)) },
      { path: 't10k-labels-idx1-ubyte', bytes: idx([1], [7]) },
    ]))).toBe('t10k-labels-idx1-ubyte: label 7 at record 0 is out of range (3 classes: 0 to 2)');
    expect(message(() => decodeOwnFiles([
      { path: 'a-images-idx3-ubyte', bytes: images },
      { path: 'a-labels-idx1-ubyte', bytes: idx([6], [0, 1, 200, 0, 1, 2]) },
    ]))).toBe('a-labels-idx1-ubyte: label 200 is out of range: at most 100 classes (labels 0 to 99)');
    expect(message(() => decodeOwnFiles([
      { path: 'a-images-idx3-ubyte', bytes: images },
      { path: 'a-labels-idx1-ubyte', bytes: idx([6], [0, 1, 5, 0, 1, 2]) },
    ]))).toBe('a-labels-idx1-ubyte: labels go up to 5 but no training image has label 3: labels must be 0 to K-1 with every class present');
    expect(message(() => decodeOwnFiles([{ path: 'a-images-idx3-ubyte', bytes: images }]))).toBe(
      'a-images-idx3-ubyte: training images without training labels: add the labels file (idx1)',
    );
    const gz = gzipSync(images);
    expect(message(() => decodeOwnFiles([
      { path: 'a-images-idx3-ubyte.gz', bytes: gz.subarray(0, gz.length - 5) },
      { path: 'a-labels-idx1-ubyte', bytes: labels },
    ]))).toMatch(/^a-images-idx3-ubyte\.gz: corrupt or truncated gzip/);
    expect(message(() => decodeOwnFiles([{ path: 'x-labels-idx1-ubyte.gz', bytes: new Uint8Array(0) }]))).toBe('x-labels-idx1-ubyte.gz: empty file (0 bytes)');
  });

  it('reads the real MNIST files as an upload: the same pixels and labels as the built-in MNIST', async () => {
    const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
    const d = decodeOwnFiles(names.map((n) => ({ path: n, bytes: new Uint8Array(readFileSync(path.join(DIR, 'mnist', n))) })));
    const builtIn = loadDatasetFromDir('mnist', DIR);
    expect(d.spec.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect([d.train.count, d.test.count]).toEqual([60000, 10000]);
    expect(Buffer.from(d.train.images).equals(Buffer.from(builtIn.train.images))).toBe(true);
    expect(Buffer.from(d.test.labels).equals(Buffer.from(builtIn.test.labels))).toBe(true);
    // Its own normalisation is MNIST's published one.
    expect(d.spec.mean[0]!).toBeCloseTo(0.1307, 3);
    expect(d.spec.std[0]!).toBeCloseTo(0.3081, 3);
    expect(await datasetSha256(d)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('CIFAR binary uploads', () => {
  const partial = new Uint8Array(readFileSync(path.join(DIR, 'cifar-10', 'data_batch_1.first4000.bin')));

  it('reads the real partial batch with CIFAR-10 class names; test_batch.bin is the test set', () => {
    const d = decodeOwnFiles([{ path: 'data_batch_1.bin', bytes: partial }]);
    expect(d.format).toBe('cifar-binary');
    expect(d.spec.classes[0]).toBe('airplane');
    expect([d.train.count, d.test.count]).toEqual([3200, 800]);
    const rec = 3073;
    const split = decodeOwnFiles([
      { path: 'data_batch_1.bin', bytes: partial.subarray(0, 3000 * rec) },
      { path: 'test_batch.bin', bytes: partial.subarray(3000 * rec) },
    ]);
    expect([split.train.count, split.test.count]).toEqual([3000, 1000]);
    expect(split.heldOutNote).toBeUndefined();
  });

  it('refuses a batch whose length is not a whole number of records', () => {
    expect(message(() => decodeOwnFiles([{ path: 'data_batch_1.bin', bytes: partial.subarray(0, 3073 * 2 + 5) }]))).toBe(
      'data_batch_1.bin: 6151 bytes is not a whole number of 3073-byte CIFAR records (2 records and 5 bytes left over): truncated or not a CIFAR-10 binary batch',
    );
  });
});

it('refuses a file of no known kind, naming it', () => {
  expect(message(() => decodeOwnFiles([{ path: 'photo.txt', bytes: new Uint8Array([1, 2]) }]))).toMatch(/^photo\.txt: not a dataset file this page reads: give an IDX pair/);
});

describe('decodeImage', () => {
  it('reads 16-bit and RGBA PNGs as 8-bit RGB (high byte; alpha dropped)', () => {
    const sixteen = encodePngFile({ width: 2, height: 1, data: new Uint16Array([0x1234, 0xff00]), channels: 1, depth: 16 });
    expect(decodeImage(sixteen, 'a.png')).toEqual({ width: 2, height: 1, rgb: new Uint8Array([0x12, 0x12, 0x12, 0xff, 0xff, 0xff]), gray: true });
    const rgba = encodePngFile({ width: 1, height: 1, data: new Uint8Array([10, 20, 30, 40]), channels: 4, depth: 8 });
    expect(decodeImage(rgba, 'b.png')).toEqual({ width: 1, height: 1, rgb: new Uint8Array([10, 20, 30]), gray: false });
  });

  it('refuses an image larger than 256x256 from its header, and a file that is not what its name says', () => {
    expect(message(() => decodeImage(png(300, 2, 1), 'wide.png'))).toBe('wide.png: the image is 300x2; at most 256x256 is accepted (resize the images)');
    expect(message(() => decodeImage(png(4, 4, 1), 'x.jpg'))).toBe('x.jpg: not a JPEG image (no JPEG signature)');
    expect(message(() => decodeImage(jpeg(4, 4, 1), 'x.png'))).toBe('x.png: not a PNG image (no PNG signature)');
  });
});
