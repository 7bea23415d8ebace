/**
 * A distilled set as a NumPy `.npz` file, for PyTorch and friends: `images` float32 [N, C, H, W] in the normalised
 * space, `labels` int64 [N], the normalisation `mean` and `std` float32 [C], `ipc` int64 (a scalar), and `meta`, a
 * 0-d unicode string (`<U`) holding JSON (dataset id, class names, app, method and config). Everything loads with
 * `numpy.load` without `allow_pickle`: x = (pixel / 255 − mean[c]) / std[c].
 *
 * Pure TypeScript (fflate + typed arrays), so the worker can use it as well as Node. The reader takes files from
 * users: every size is checked before anything is allocated, and every problem is a DatasetFormatError naming the
 * file, the array and what was expected.
 */
import { unzipSync, zipSync } from 'fflate';
import { z } from 'zod';
import { DatasetFormatError } from './errors';
import { getDataset, isDatasetId } from './registry';
import type { DatasetId, DatasetSpec, RunDatasetId } from './types';

/** A distilled (or any labelled) set in the app's layout: NHWC float pixels in the normalised space. */
export interface DistilledSet {
  /** 'custom': a dataset the user uploaded in the page (its class names are then in `classes`). */
  dataset: RunDatasetId;
  /** The class names, when the set does not come from a built-in dataset. */
  classes?: readonly string[];
  /** [height, width, channels] of one image. */
  shape: readonly [number, number, number];
  /** N images, NHWC, normalised with `mean` and `std`. */
  pixels: Float32Array;
  /** One class index per image. */
  labels: Int32Array;
  /**
   * Learned labels [N, classes] (KRR with learned labels: its regression targets, centred one-hot space), written
   * as `soft_labels` float32 beside `labels`; readers that do not know it ignore it. This reader reads it
   * (float32/float64 [N, classes], finite) for the soft-label evaluation (src/core/eval/soft-labels.ts).
   */
  softLabels?: Float32Array;
  /**
   * Multi-formation (IDC): the factor f and the decoded training set (IPC·f² per class, NHWC, class-major: stored
   * image k gives decoded images k·f² … k·f²+f²−1), written as `factor` (int64 scalar), `decoded_images` (float32
   * NCHW) and `decoded_labels` (int64). `images` stay the stored images. Only written when f > 1; readers that
   * do not know them ignore them (this one does too: `distill eval` decodes nothing and evaluates `images`).
   */
  multiFormation?: { factor: number; decoded: Float32Array };
  mean: readonly number[];
  std: readonly number[];
  /** Images per class when every class has the same number; null when the file does not say. */
  ipc: number | null;
  /** What the file says about where it came from (written as `meta`). */
  meta: NpzMeta;
}

/** Free-form provenance kept in the file's `meta` beside the dataset id and class names. */
export interface NpzMeta {
  app?: { name: string; version: string };
  method?: string;
  config?: unknown;
}

/** The `format` field of the `meta` JSON this writer produces. */
export const NPZ_FORMAT = 'distill-playground/npz@1';

/** Largest uncompressed member (256 MiB): CIFAR-10 at IPC 1000 as float64 is below it. */
export const MAX_NPY_BYTES = 2 ** 28;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const metaSchema = z.looseObject({
  dataset: z.string().optional(),
  classes: z.array(z.string()).optional(),
  app: z.object({ name: z.string(), version: z.string() }).optional(),
  method: z.string().optional(),
  config: z.unknown().optional(),
});

/** The set that a run's class-major synthetic pixels (`ipc` per class) make, with the dataset's normalisation. */
export function classMajorSet(spec: DatasetSpec, pixels: Float32Array, ipc: number, meta: NpzMeta = {}, softLabels?: Float32Array): DistilledSet {
  const [h, w, c] = spec.shape;
  const n = spec.classes.length * ipc;
  if (pixels.length !== n * h * w * c) {
    throw new Error(`classMajorSet: ${pixels.length} pixels are not ${spec.classes.length} classes x ${ipc} images of ${h}x${w}x${c}`);
  }
  return {
    dataset: spec.id,
    ...(spec.id === 'custom' ? { classes: spec.classes } : {}),
    shape: spec.shape,
    pixels,
    labels: Int32Array.from({ length: n }, (_, i) => Math.floor(i / ipc)),
    ...(softLabels ? { softLabels } : {}),
    mean: spec.mean,
    std: spec.std,
    ipc,
    meta,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// .npy v1.0 writer

type Descr = '<f4' | '<f8' | '<i8' | '<i4' | '|u1' | '<u1';

function npy(descr: string, shape: readonly number[], data: Uint8Array): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  // magic (6) + version (2) + header length (2) + dict, padded with spaces and ended by \n to a multiple of 64.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  const out = new Uint8Array(total + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}

function littleEndian(values: ArrayLike<number>, descr: '<f4' | '<i8'): Uint8Array {
  const size = descr === '<f4' ? 4 : 8;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (descr === '<f4') view.setFloat32(i * 4, values[i]!, true);
    else view.setBigInt64(i * 8, BigInt(values[i]!), true);
  }
  return out;
}

/** A string as a 0-d numpy unicode array (`<U n`, UTF-32LE code points). */
function unicodeScalar(text: string): Uint8Array {
  const points = Array.from(text, (ch) => ch.codePointAt(0)!);
  const data = new Uint8Array(points.length * 4);
  const view = new DataView(data.buffer);
  points.forEach((p, i) => view.setUint32(i * 4, p, true));
  return npy(`<U${Math.max(1, points.length)}`, [], points.length ? data : new Uint8Array(4));
}

/** Transposes NHWC pixels to NCHW. */
function toNchw(pixels: Float32Array, n: number, [h, w, c]: readonly [number, number, number]): Float32Array {
  const out = new Float32Array(pixels.length);
  const plane = h * w;
  for (let k = 0; k < n; k++) {
    const base = k * plane * c;
    for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = pixels[base + p * c + ch]!;
  }
  return out;
}

/** Encodes a set as `.npz` bytes (stored, not deflated: float noise does not compress). */
export function encodeNpz(set: DistilledSet): Uint8Array {
  const [h, w, c] = set.shape;
  const n = set.labels.length;
  if (set.pixels.length !== n * h * w * c) throw new Error(`encodeNpz: ${set.pixels.length} pixels are not ${n} images of ${h}x${w}x${c}`);
  if (set.mean.length !== c || set.std.length !== c) throw new Error(`encodeNpz: mean and std need ${c} values (one per channel)`);
  if (set.softLabels && set.softLabels.length % n !== 0) throw new Error(`encodeNpz: ${set.softLabels.length} soft label values are not ${n} rows`);
  const classes = set.classes ?? getDataset(set.dataset as DatasetId).classes;
  const meta = { format: NPZ_FORMAT, dataset: set.dataset, classes, layout: 'NCHW', ...set.meta };
  const files: Record<string, Uint8Array> = {
    'images.npy': npy('<f4', [n, c, h, w], littleEndian(toNchw(set.pixels, n, set.shape), '<f4')),
    'labels.npy': npy('<i8', [n], littleEndian(set.labels, '<i8')),
    'mean.npy': npy('<f4', [c], littleEndian(set.mean, '<f4')),
    'std.npy': npy('<f4', [c], littleEndian(set.std, '<f4')),
    ...(set.ipc !== null ? { 'ipc.npy': npy('<i8', [], littleEndian([set.ipc], '<i8')) } : {}),
    ...(set.multiFormation && set.multiFormation.factor > 1 ? multiFormationFiles(set, n) : {}),
    ...(set.softLabels ? { 'soft_labels.npy': npy('<f4', [n, set.softLabels.length / n], littleEndian(set.softLabels, '<f4')) } : {}),
    'meta.npy': unicodeScalar(JSON.stringify(meta)),
  };
  // A fixed time stamp keeps the bytes a function of the set.
  return zipSync(files, { level: 0, mtime: new Date(1980, 0, 1) });
}

/** The multi-formation entries of a set (see DistilledSet.multiFormation). */
function multiFormationFiles(set: DistilledSet, n: number): Record<string, Uint8Array> {
  const { factor, decoded } = set.multiFormation!;
  const [h, w, c] = set.shape;
  const m = n * factor * factor;
  if (decoded.length !== m * h * w * c) throw new Error(`encodeNpz: ${decoded.length} decoded values are not ${m} images of ${h}x${w}x${c}`);
  const labels = Int32Array.from({ length: m }, (_, i) => set.labels[Math.floor(i / (factor * factor))]!);
  return {
    'factor.npy': npy('<i8', [], littleEndian([factor], '<i8')),
    'decoded_images.npy': npy('<f4', [m, c, h, w], littleEndian(toNchw(decoded, m, set.shape), '<f4')),
    'decoded_labels.npy': npy('<i8', [m], littleEndian(labels, '<i8')),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// .npy reader

interface NpyArray {
  descr: string;
  shape: number[];
  data: Uint8Array;
}

const ITEM_SIZE: Record<Descr, number> = { '<f4': 4, '<f8': 8, '<i8': 8, '<i4': 4, '|u1': 1, '<u1': 1 };
const NUMERIC = Object.keys(ITEM_SIZE) as Descr[];
const INTEGER: readonly Descr[] = ['<i8', '<i4', '|u1', '<u1'];

type Fail = (problem: string) => never;

function parseNpy(bytes: Uint8Array, fail: Fail): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy array (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) fail(`unsupported .npy version ${major}.${bytes[7]} (expected 1.0, 2.0 or 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail('truncated header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length) fail(`the header claims ${headerLen} bytes but the array has ${bytes.length - start} after the magic`);
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail(`malformed header ${JSON.stringify(header.trim())} (expected descr, fortran_order and shape)`);
  }
  if (fortran === 'True') fail('fortran_order is True (expected C order: save with np.ascontiguousarray)');
  const parts = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!parts.every((s) => /^\d{1,10}L?$/.test(s))) fail(`malformed shape (${shapeText})`);
  const shape = parts.map((s) => parseInt(s, 10));
  const data = bytes.subarray(start + headerLen);
  const item = descr in ITEM_SIZE ? ITEM_SIZE[descr as Descr] : /^<U\d+$/.test(descr) ? 4 * parseInt(descr.slice(2), 10) : 0;
  if (item > 0) {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count * item !== data.length) {
      fail(`shape (${shape.join(', ')}) of '${descr}' needs ${count * item} bytes but the array holds ${data.length}`);
    }
  }
  return { descr, shape, data };
}

function checkDescr(arr: NpyArray, allowed: readonly Descr[], fail: Fail): Descr {
  if (!(allowed as readonly string[]).includes(arr.descr)) {
    fail(`dtype '${arr.descr}' is not supported (expected one of ${allowed.map((d) => `'${d}'`).join(', ')}, little-endian)`);
  }
  return arr.descr as Descr;
}

/** The values of a numeric array as float32 (`out`) or exact numbers (integer dtypes). */
function readValues(arr: NpyArray, descr: Descr, out: { length: number; [i: number]: number }): void {
  const view = new DataView(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    switch (descr) {
      case '<f4': out[i] = view.getFloat32(i * 4, true); break;
      case '<f8': out[i] = view.getFloat64(i * 8, true); break;
      case '<i4': out[i] = view.getInt32(i * 4, true); break;
      case '<i8': {
        const v = view.getBigInt64(i * 8, true);
        out[i] = v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER) ? NaN : Number(v);
        break;
      }
      default: out[i] = view.getUint8(i);
    }
  }
}

function unicodeText(arr: NpyArray): string {
  const view = new DataView(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  let text = '';
  for (let i = 0; i < arr.data.length; i += 4) {
    const p = view.getUint32(i, true);
    if (p === 0) break; // numpy pads with NULs
    if (p > 0x10ffff || (p >= 0xd800 && p <= 0xdfff)) throw new RangeError(`invalid code point ${p}`);
    text += String.fromCodePoint(p);
  }
  return text;
}

const ARRAYS = ['images', 'labels', 'mean', 'std', 'ipc', 'meta', 'soft_labels'] as const;
type ArrayName = (typeof ARRAYS)[number];

/**
 * Decodes `.npz` bytes into a set in the app's layout (NHWC) and checks it against its dataset: the one named by
 * `dataset`, else the file's `meta.dataset` (they must agree when both are there). Accepts float32/float64 images
 * and int64/int32/uint8 labels, in C order; `ipc` and `meta` are optional, so `np.savez(f, images=..., labels=...,
 * mean=..., std=...)` is enough. `file` names the file in error messages.
 */
export function decodeNpz(bytes: Uint8Array, options: { dataset?: DatasetId; file?: string } = {}): DistilledSet & { dataset: DatasetId } {
  const file = options.file ?? 'npz';
  const failIn = (where: string): Fail => (problem) => {
    throw new DatasetFormatError(file, where ? `${where}: ${problem}` : problem);
  };
  const fail: Fail = failIn('');

  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) fail('not an .npz file (no zip signature PK)');
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (f) => {
        const name = f.name.replace(/\.npy$/, '');
        if (!(ARRAYS as readonly string[]).includes(name)) return false;
        if (f.originalSize > MAX_NPY_BYTES) {
          fail(`${f.name} would unpack to ${f.originalSize} bytes (at most ${MAX_NPY_BYTES} accepted)`);
        }
        return true;
      },
    });
  } catch (err) {
    if (err instanceof DatasetFormatError) throw err;
    fail(`not a readable .npz: the zip archive is damaged or cut short (${err instanceof Error ? err.message : String(err)}); save or export it again`);
  }
  const arrays = new Map<ArrayName, NpyArray>();
  for (const [name, data] of Object.entries(members)) {
    const key = name.replace(/\.npy$/, '') as ArrayName;
    arrays.set(key, parseNpy(data, failIn(name)));
  }
  const need = (name: ArrayName): NpyArray => {
    const arr = arrays.get(name);
    if (!arr) fail(`no '${name}' array (expected images, labels, mean and std; found ${[...arrays.keys()].join(', ') || 'none'})`);
    return arr!;
  };

  // meta (optional) and the dataset it names.
  let metaJson: z.infer<typeof metaSchema> = {};
  const metaArr = arrays.get('meta');
  if (metaArr) {
    const failMeta = failIn('meta');
    let text = '';
    if (/^<U\d+$/.test(metaArr.descr) && metaArr.shape.length === 0) {
      try {
        text = unicodeText(metaArr);
      } catch (err) {
        failMeta((err as Error).message);
      }
    } else if ((metaArr.descr === '|u1' || metaArr.descr === '<u1') && metaArr.shape.length === 1) {
      text = new TextDecoder().decode(metaArr.data);
    } else {
      failMeta(`expected a 0-d '<U' string or uint8 bytes of JSON, got '${metaArr.descr}' of shape (${metaArr.shape.join(', ')})`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      failMeta('is not valid JSON');
    }
    const parsed = metaSchema.safeParse(value);
    if (!parsed.success) failMeta(`malformed at '${parsed.error.issues[0]!.path.join('.')}': ${parsed.error.issues[0]!.message}`);
    metaJson = parsed.data!;
  }
  const named = metaJson.dataset;
  if (named === 'custom') {
    failIn('meta')('the set was distilled from a dataset uploaded in the page (custom), which this reader does not have: only sets of MNIST, Fashion-MNIST or CIFAR-10 can be read back');
  }
  if (named !== undefined && !isDatasetId(named)) failIn('meta')(`unknown dataset '${named}'`);
  if (options.dataset && named && options.dataset !== named) fail(`the file holds a ${named} set, not ${options.dataset}`);
  const datasetId = options.dataset ?? (named as DatasetId | undefined);
  if (!datasetId) fail(`the file does not say which dataset it is (no meta.dataset): name it`);
  const spec = getDataset(datasetId!);
  const [h, w, c] = spec.shape;

  // images [N, C, H, W]
  const images = need('images');
  const imgDescr = checkDescr(images, NUMERIC, failIn('images'));
  const [n, ...chw] = images.shape;
  if (images.shape.length !== 4 || chw[0] !== c || chw[1] !== h || chw[2] !== w) {
    failIn('images')(`shape (${images.shape.join(', ')}) does not fit ${spec.name}: expected (N, ${c}, ${h}, ${w}), NCHW`);
  }
  if (n === 0) failIn('images')('no images (N = 0)');
  const nchw = new Float32Array(n! * c * h * w);
  readValues(images, imgDescr, nchw);
  if (!nchw.every(Number.isFinite)) failIn('images')('holds NaN or infinite values');

  // labels [N]
  const labelsArr = need('labels');
  const labDescr = checkDescr(labelsArr, INTEGER, failIn('labels'));
  if (labelsArr.shape.length !== 1 || labelsArr.shape[0] !== n) {
    failIn('labels')(`shape (${labelsArr.shape.join(', ')}) does not match the ${n} images (expected (${n},))`);
  }
  const labelValues = new Float64Array(n!);
  readValues(labelsArr, labDescr, labelValues);
  const bad = labelValues.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v < spec.classes.length));
  if (bad >= 0) failIn('labels')(`label ${labelValues[bad]} at index ${bad} is out of range (${spec.name} has classes 0..${spec.classes.length - 1})`);

  // mean, std [C]
  const channelValues = (name: 'mean' | 'std'): number[] => {
    const arr = need(name);
    const descr = checkDescr(arr, ['<f4', '<f8'], failIn(name));
    if (arr.shape.length !== 1 || arr.shape[0] !== c) failIn(name)(`shape (${arr.shape.join(', ')}) does not fit ${c} channel(s) (expected (${c},))`);
    const out = new Array<number>(c);
    readValues(arr, descr, out);
    if (!out.every((v) => Number.isFinite(v) && (name === 'mean' || v > 0))) failIn(name)(`values ${out.join(', ')} are not usable`);
    return out;
  };
  const mean = channelValues('mean');
  const std = channelValues('std');

  // ipc (optional): a scalar; when present every class must hold that many images.
  let ipc: number | null = null;
  const ipcArr = arrays.get('ipc');
  if (ipcArr) {
    const descr = checkDescr(ipcArr, INTEGER, failIn('ipc'));
    if (ipcArr.shape.reduce((a, b) => a * b, 1) !== 1) failIn('ipc')(`expected a scalar, got shape (${ipcArr.shape.join(', ')})`);
    const v = [0];
    readValues(ipcArr, descr, v);
    ipc = v[0]!;
    const counts = classCounts(labelValues, spec.classes.length);
    if (!counts.every((k) => k === ipc)) failIn('ipc')(`says ${ipc} images per class but the labels count ${counts.join(', ')}`);
  }

  // soft_labels (optional): [N, classes] float, finite.
  let softLabels: Float32Array | undefined;
  const softArr = arrays.get('soft_labels');
  if (softArr) {
    const failSoft = failIn('soft_labels');
    const descr = checkDescr(softArr, ['<f4', '<f8'], failSoft);
    const k = spec.classes.length;
    if (softArr.shape.length !== 2 || softArr.shape[0] !== n || softArr.shape[1] !== k) {
      failSoft(`shape (${softArr.shape.join(', ')}) does not fit ${n} images of ${k} classes (expected (${n}, ${k}))`);
    }
    softLabels = new Float32Array(n! * k);
    readValues(softArr, descr, softLabels);
    if (!softLabels.every(Number.isFinite)) failSoft('holds NaN or infinite values');
  }

  // NCHW -> NHWC
  const pixels = new Float32Array(nchw.length);
  const plane = h * w;
  for (let k = 0; k < n!; k++) {
    const base = k * plane * c;
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) pixels[base + p * c + ch] = nchw[base + ch * plane + p]!;
  }
  const meta: NpzMeta = {
    ...(metaJson.app ? { app: metaJson.app } : {}),
    ...(metaJson.method !== undefined ? { method: metaJson.method } : {}),
    ...(metaJson.config !== undefined ? { config: metaJson.config } : {}),
  };
  return { dataset: datasetId!, shape: spec.shape, pixels, labels: Int32Array.from(labelValues), ...(softLabels ? { softLabels } : {}), mean, std, ipc, meta };
}

function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}

/**
 * The set as the evaluation protocol takes it: class-major NHWC pixels in the dataset's own normalisation
 * (re-normalised when the file's mean/std differ), the images per class and, when the file has them, its soft
 * labels in the same class-major order. Throws when the classes do not all hold the same number of images.
 */
export function forEvaluation(set: DistilledSet): { pixels: Float32Array; ipc: number; softLabels?: Float32Array } {
  if (set.dataset === 'custom') throw new Error('forEvaluation: a set of an uploaded dataset has no registry entry');
  const spec = getDataset(set.dataset);
  const [h, w, c] = set.shape;
  const size = h * w * c;
  const counts = classCounts(set.labels, spec.classes.length);
  const ipc = counts[0]!;
  if (!counts.every((k) => k === ipc) || ipc === 0) {
    throw new Error(`the set has ${counts.join(', ')} images per class; the evaluation needs the same number (at least 1) in every class`);
  }
  const order = Array.from(set.labels.keys()).sort((a, b) => set.labels[a]! - set.labels[b]! || a - b);
  // The file's float32 mean/std round the registry's: treat those as the same normalisation, so pixels stay exact.
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  const renormalise = !set.mean.every((m, ch) => same(m, spec.mean[ch]!) && same(set.std[ch]!, spec.std[ch]!));
  const scale = Array.from({ length: c }, (_, ch) => (renormalise ? set.std[ch]! / spec.std[ch]! : 1));
  const shift = Array.from({ length: c }, (_, ch) => (renormalise ? (set.mean[ch]! - spec.mean[ch]!) / spec.std[ch]! : 0));
  const pixels = new Float32Array(set.pixels.length);
  order.forEach((src, dst) => {
    for (let i = 0; i < size; i++) pixels[dst * size + i] = set.pixels[src * size + i]! * scale[i % c]! + shift[i % c]!;
  });
  if (!set.softLabels) return { pixels, ipc };
  const k = set.softLabels.length / set.labels.length;
  const softLabels = new Float32Array(set.softLabels.length);
  order.forEach((src, dst) => softLabels.set(set.softLabels!.subarray(src * k, (src + 1) * k), dst * k));
  return { pixels, ipc, softLabels };
}
