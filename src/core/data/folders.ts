/**
 * Image datasets laid out as class folders (`<class>/<image>` or `train/<class>/…` + `test/<class>/…`), from a zip
 * or a folder the user picked: the layout is read from the paths, every PNG/JPEG is decoded in a fixed order (so a
 * zip and the same folder give the same bytes), and each problem is refused with a message naming the file.
 */
import { DatasetFormatError } from './errors';
import { decodeImage, imageKindOf } from './images';
import type { ImageSet } from './types';
import { readZipDirectory, readZipEntry } from './zip';

/** Most classes a dataset may have (labels are one byte; the page shows one row per class). */
export const MAX_CLASSES = 100;
/** Most bytes of decoded pixels a dataset may have (256 MiB; the full CIFAR-10 is 184 MB). */
export const MAX_DECODED_BYTES = 2 ** 28;

/** A file of the set: its path with '/' separators, its size, and how to get its bytes (read once, when decoded). */
export interface FolderEntry {
  path: string;
  size: number;
  read: () => Uint8Array;
}

/** The decoded set: train (and test when the layout has one), class names (folder names) and what was skipped. */
export interface FolderSet {
  classes: string[];
  train: ImageSet;
  test?: ImageSet;
  /** Files that are not PNG or JPEG images (skipped), and system files (.DS_Store, __MACOSX/, Thumbs.db) ignored. */
  skipped: string[];
  ignored: number;
}

export interface FolderOptions {
  /** The class folders the set must have, in label order (a built-in dataset); default: the folder names, sorted. */
  classes?: readonly string[];
  /** Requires a train/ + test/ layout. */
  requireSplit?: boolean;
  /** Called after each image is decoded. */
  onProgress?: (done: number, total: number, path: string) => void;
}

const SPLIT_NAMES: Record<string, 'train' | 'test'> = { train: 'train', training: 'train', test: 'test', testing: 'test' };

function isSystemFile(path: string): boolean {
  const parts = path.split('/');
  const base = parts[parts.length - 1]!;
  return parts.includes('__MACOSX') || base.startsWith('.') || base === 'Thumbs.db' || base === 'desktop.ini';
}

/** Folder names in label order: numerically when every name is a whole number, else by code point. */
export function sortClassNames(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  if (list.every((n) => /^\d+$/.test(n))) return list.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Decodes class folders. `source` names the upload for messages about the whole set (the zip's or the folder's
 * name); `dirs` lists folders known to exist (a zip's folder entries), so an empty class folder is reported.
 */
export function decodeClassFolders(source: string, files: FolderEntry[], dirs: string[], opts: FolderOptions = {}): FolderSet {
  const fail = (file: string, problem: string): never => {
    throw new DatasetFormatError(file, problem);
  };
  let ignored = 0;
  const kept: FolderEntry[] = [];
  for (const f of files) {
    if (isSystemFile(f.path)) ignored++;
    else kept.push(f);
  }
  const folders = dirs.map((d) => d.replace(/\/+$/, '')).filter((d) => d !== '' && !isSystemFile(d + '/x'));
  // Strip a folder that holds everything (the zip's or the picked folder's own name), unless it is train/ or test/.
  let prefix = '';
  for (;;) {
    const rest = kept.map((f) => f.path.slice(prefix.length).split('/'));
    const first = rest[0]?.[0];
    if (!first || SPLIT_NAMES[first.toLowerCase()]) break;
    if (!rest.every((p) => p.length >= 3 && p[0] === first)) break;
    prefix += first + '/';
  }
  const rel = (p: string) => p.slice(prefix.length);
  const relFolders = folders.filter((d) => (d + '/').startsWith(prefix) && d.length + 1 > prefix.length).map((d) => d.slice(prefix.length));
  if (kept.length === 0) {
    fail(source, ignored > 0 ? `only system files (${ignored}), no images` : 'no files');
  }
  const images = kept.filter((f) => imageKindOf(f.path));
  const split = images.length > 0 && images.every((f) => SPLIT_NAMES[rel(f.path).split('/')[0]!.toLowerCase()] && rel(f.path).split('/').length >= 2);
  if (opts.requireSplit && !split) fail(source, 'expected train/<class>/… and test/<class>/… folders');

  type Item = { entry: FolderEntry; split: 'train' | 'test'; cls: string };
  const items: Item[] = [];
  const skipped: string[] = [];
  const classFolders = { train: new Set<string>(), test: new Set<string>() };
  for (const d of relFolders) {
    const parts = d.split('/');
    if (split) {
      const s = SPLIT_NAMES[parts[0]!.toLowerCase()];
      if (s && parts[1]) classFolders[s].add(parts[1]);
    } else if (!SPLIT_NAMES[parts[0]!.toLowerCase()] || parts.length > 1) classFolders.train.add(parts[0]!);
  }
  for (const entry of kept) {
    if (!imageKindOf(entry.path)) {
      skipped.push(entry.path);
      continue;
    }
    const parts = rel(entry.path).split('/');
    const s: 'train' | 'test' = split ? SPLIT_NAMES[parts[0]!.toLowerCase()]! : 'train';
    const inner = split ? parts.slice(1) : parts;
    if (inner.length < 2) {
      fail(
        entry.path,
        `an image outside any class folder: lay the images out as <class>/<image>.png (or train/<class>/… and test/<class>/…)`,
      );
    }
    classFolders[s].add(inner[0]!);
    items.push({ entry, split: s, cls: inner[0]! });
  }
  const where = (s: 'train' | 'test', cls: string) => `${prefix}${split ? `${s}/` : ''}${cls}/`;
  const counts = new Map<string, number>();
  for (const it of items) counts.set(`${it.split}/${it.cls}`, (counts.get(`${it.split}/${it.cls}`) ?? 0) + 1);
  for (const s of ['train', 'test'] as const) {
    for (const cls of sortClassNames(classFolders[s])) {
      if (!counts.get(`${s}/${cls}`)) fail(`${source}: ${where(s, cls)}`, 'a class folder with no images (PNG or JPEG)');
    }
  }
  const classes = opts.classes ? [...opts.classes] : sortClassNames(classFolders.train);
  if (opts.classes) {
    const got = sortClassNames(classFolders.train);
    if (got.join('\n') !== classes.join('\n')) {
      fail(source, `class folders ${got.join(', ')}; expected exactly ${classes.join(', ')}`);
    }
  }
  if (classes.length < 2) {
    fail(
      source,
      `${classes.length} class folder${classes.length === 1 ? ` (${classes[0]!})` : 's'}; at least 2 are needed, one folder of images per class`,
    );
  }
  if (classes.length > MAX_CLASSES) fail(source, `${classes.length} class folders; at most ${MAX_CLASSES} are supported`);
  const label = new Map(classes.map((c, i) => [c, i]));
  for (const cls of classFolders.test) {
    if (!label.has(cls)) fail(`${source}: ${where('test', cls)}`, `a test class that train/ does not have (train has ${classes.join(', ')})`);
  }
  // A fixed order: split, class (label order), then path.
  items.sort((a, b) => (a.split === b.split ? 0 : a.split === 'train' ? -1 : 1) || label.get(a.cls)! - label.get(b.cls)! || byPath(a.entry.path, b.entry.path));

  let height = 0;
  let width = 0;
  let firstPath = '';
  let rgb: Uint8Array | null = null;
  let allGray = true;
  const labels = new Uint8Array(items.length);
  items.forEach((it, i) => {
    const bytes = it.entry.read();
    if (bytes.length === 0) fail(it.entry.path, 'empty file (0 bytes)');
    const img = decodeImage(bytes, it.entry.path);
    if (!rgb) {
      height = img.height;
      width = img.width;
      firstPath = it.entry.path;
      const need = items.length * height * width * 3;
      if (need > MAX_DECODED_BYTES) {
        fail(source, `${items.length} images of ${width}x${height} need ${need} bytes decoded, more than the ${MAX_DECODED_BYTES}-byte limit`);
      }
      rgb = new Uint8Array(need);
    } else if (img.height !== height || img.width !== width) {
      fail(
        source,
        `images of mixed sizes: ${firstPath} is ${width}x${height}, ${it.entry.path} is ${img.width}x${img.height}; every image must be the same size`,
      );
    }
    allGray &&= img.gray;
    rgb.set(img.rgb, i * height * width * 3);
    labels[i] = label.get(it.cls)!;
    opts.onProgress?.(i + 1, items.length, it.entry.path);
  });
  const pixels = rgb!;
  const channels = allGray ? 1 : 3;
  const per = height * width;
  const decoded = allGray ? new Uint8Array(items.length * per) : pixels;
  if (allGray) for (let p = 0; p < decoded.length; p++) decoded[p] = pixels[p * 3]!;
  const trainCount = items.filter((it) => it.split === 'train').length;
  const part = (from: number, to: number): ImageSet => ({
    images: decoded.subarray(from * per * channels, to * per * channels),
    labels: labels.subarray(from, to),
    count: to - from,
    height,
    width,
    channels,
  });
  const out: FolderSet = { classes, train: part(0, trainCount), skipped, ignored };
  if (split && trainCount === 0) fail(source, 'train/ has no images');
  if (split && trainCount < items.length) out.test = part(trainCount, items.length);
  return out;
}

function zipEntries(file: { path: string; bytes: Uint8Array }): { entries: FolderEntry[]; dirs: string[] } {
  const dir = readZipDirectory(file.bytes, file.path);
  const entries: FolderEntry[] = [];
  const dirs: string[] = [];
  for (const e of dir) {
    if (e.isDirectory) dirs.push(e.name);
    else entries.push({ path: e.name, size: e.size, read: () => readZipEntry(file.bytes, e, `${file.path}: ${e.name}`) });
  }
  return { entries, dirs };
}

/** Decodes a zip of class folders (`<class>/<image>` or `train/…` + `test/…`); used for uploads and the CIFAR-10 JPEG zip. */
export function decodeImageZip(bytes: Uint8Array, name: string, opts: FolderOptions = {}): FolderSet {
  const { entries, dirs } = zipEntries({ path: name, bytes });
  return decodeClassFolders(name, entries, dirs, opts);
}

