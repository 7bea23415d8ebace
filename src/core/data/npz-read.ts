/**
 * The .npz reader (src/core/data/npz.ts): takes files from users, so every size is checked before anything is
 * allocated, and every problem is a DatasetFormatError naming the file, the array and what was expected.
 */
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { DatasetFormatError } from './errors';
import { getDataset, isDatasetId } from './registry';
import type { DatasetId } from './types';
import { classCounts, MAGIC, MAX_NPY_BYTES, type Descr, type DistilledSet, type NpzMeta } from './npz-format';

const metaSchema = z.looseObject({
  dataset: z.string().optional(),
  classes: z.array(z.string()).optional(),
  app: z.object({ name: z.string(), version: z.string() }).optional(),
  method: z.string().optional(),
  config: z.unknown().optional(),
});

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

