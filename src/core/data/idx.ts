/**
 * gzip and IDX (MNIST / Fashion-MNIST) decoding with strict validation: every malformed input becomes a
 * DatasetFormatError naming the file and the problem, and sizes are checked before anything large is allocated.
 */
import { gunzipSync } from 'fflate';
import { DatasetFormatError } from './errors';
import type { ImageSet } from './types';

/** Largest IDX payload accepted (256 MiB); bigger headers are refused before allocating. */
export const MAX_IDX_PAYLOAD = 2 ** 28;

/** Largest decompressed size `decodeDataset` lets a gzip member claim (the IDX cap plus header room). */
export const MAX_GUNZIP_BYTES = MAX_IDX_PAYLOAD + 1024;

const GZIP_HEADER = 10;
/** The most that deflate can expand its input (RFC 1951: a 258-byte match per 2 bits, about 1032:1). */
const MAX_DEFLATE_RATIO = 1032;
const GZIP_TRAILER = 8;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, as in gzip) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let table = crcTable;
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    crcTable = table;
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  return (crc ^ 0xffffffff) >>> 0;
}

function readU32LE(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function readU32BE(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function hex8(n: number): string {
  return '0x' + n.toString(16).toUpperCase().padStart(8, '0');
}

function hex2(n: number): string {
  return '0x' + n.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Decompresses a single-member gzip file. Refuses, before inflating, a file whose ISIZE trailer exceeds `maxBytes`
 * (zip bombs), and after inflating checks the length and CRC-32 against the trailer. Throws DatasetFormatError.
 */
export function gunzip(bytes: Uint8Array, file: string, maxBytes: number): Uint8Array {
  if (bytes.length === 0) throw new DatasetFormatError(file, 'empty file (0 bytes)');
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    const got = Array.from(bytes.subarray(0, 2), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetFormatError(file, `not a gzip file: starts with ${got}, expected 1f 8b`);
  }
  if (bytes.length < GZIP_HEADER + GZIP_TRAILER) {
    throw new DatasetFormatError(file, `corrupt or truncated gzip: only ${bytes.length} bytes`);
  }
  if (bytes[2] !== 8) {
    throw new DatasetFormatError(file, `corrupt gzip: compression method ${bytes[2]!}, expected 8 (deflate)`);
  }
  const size = readU32LE(bytes, bytes.length - 4);
  const crc = readU32LE(bytes, bytes.length - 8);
  // Deflate expands at most 1032:1, so a trailer claiming more than that is damage, not a large file.
  if (size > maxBytes && size > bytes.length * MAX_DEFLATE_RATIO) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated gzip: its trailer says it decompresses to ${size} bytes, which ${bytes.length} ` +
        `compressed bytes cannot hold (deflate expands at most ${MAX_DEFLATE_RATIO}:1)`,
    );
  }
  if (size > maxBytes) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated gzip, or too large: its trailer says it decompresses to ${size} bytes, ` +
        `more than the ${maxBytes}-byte limit`,
    );
  }
  let out: Uint8Array;
  try {
    // With `out` given, fflate writes into exactly `size` bytes and never grows it.
    out = gunzipSync(bytes, { out: new Uint8Array(size) });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new DatasetFormatError(file, `corrupt or truncated gzip (${why})`);
  }
  if (out.length !== size) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated gzip: decompressed to ${out.length} bytes, its trailer says ${size}`,
    );
  }
  const actual = crc32(out);
  if (actual !== crc) {
    throw new DatasetFormatError(
      file,
      `corrupt or truncated gzip: CRC-32 of the data is ${hex8(actual)}, its trailer says ${hex8(crc)}`,
    );
  }
  return out;
}

/** What a caller expects of an IDX file; used to validate and to word errors. */
export interface IdxExpectation {
  /** Number of dimensions, e.g. 3 for images, 1 for labels. */
  ndim?: number;
  /** Exact sizes per dimension; null/undefined where any size is accepted (e.g. [null, 28, 28]). */
  dims?: readonly (number | null | undefined)[];
  /** What the file holds, for messages: "images", "labels". */
  what?: string;
}

/** A parsed IDX file: its dimensions and its payload (a view into the input, no copy). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const IDX_TYPES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: '16-bit integer',
  0x0c: '32-bit integer',
  0x0d: '32-bit float',
  0x0e: '64-bit float',
};

/**
 * Parses an (uncompressed) IDX file of unsigned bytes, validating the magic number, dimensions and that the payload
 * is exactly the product of the dimensions. Throws DatasetFormatError naming `file` and the problem.
 */
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpectation = {}): IdxArray {
  if (bytes.length === 0) throw new DatasetFormatError(file, 'empty file (0 bytes)');
  if (bytes.length < 4) {
    throw new DatasetFormatError(file, `only ${bytes.length} bytes, too short for an IDX header (at least 4)`);
  }
  const magic = readU32BE(bytes, 0);
  const dtype = bytes[2]!;
  const ndim = bytes[3]!;
  const expectedText =
    expect.ndim !== undefined
      ? `, expected ${hex8(0x0800 + expect.ndim)} (unsigned-byte ${expect.what ?? 'data'}, ` +
        `${expect.ndim} dimension${expect.ndim === 1 ? '' : 's'})`
      : '';
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetFormatError(
      file,
      `magic number ${hex8(magic)}${expectedText}: an IDX file starts with two zero bytes (is this an IDX file?)`,
    );
  }
  if (dtype !== 0x08) {
    const name = IDX_TYPES[dtype];
    throw new DatasetFormatError(
      file,
      `magic number ${hex8(magic)}${expectedText}: data type ${hex2(dtype)} ` +
        `(${name ?? 'unknown'}) is not supported, only 0x08 (unsigned byte)`,
    );
  }
  if (ndim === 0) throw new DatasetFormatError(file, `magic number ${hex8(magic)}${expectedText}: 0 dimensions`);
  if (expect.ndim !== undefined && ndim !== expect.ndim) {
    throw new DatasetFormatError(file, `magic number ${hex8(magic)}${expectedText}`);
  }
  const header = 4 + 4 * ndim;
  if (bytes.length < header) {
    throw new DatasetFormatError(
      file,
      `truncated header: ${ndim} dimensions need a ${header}-byte header, the file has ${bytes.length} bytes`,
    );
  }
  const dims: number[] = [];
  let product = 1;
  for (let i = 0; i < ndim; i++) {
    const d = readU32BE(bytes, 4 + 4 * i);
    if (d === 0) throw new DatasetFormatError(file, `dimension ${i} is 0`);
    dims.push(d);
    product *= d;
  }
  if (product > MAX_IDX_PAYLOAD) {
    throw new DatasetFormatError(
      file,
      `dimensions [${dims.join(', ')}] describe ${product} bytes of data, more than the ${MAX_IDX_PAYLOAD}-byte limit`,
    );
  }
  const payload = bytes.length - header;
  if (payload !== product) {
    throw new DatasetFormatError(
      file,
      `dimensions [${dims.join(', ')}] need ${product} bytes of data after the ${header}-byte header, ` +
        `but ${payload} follow (${payload < product ? 'truncated' : 'trailing bytes'})`,
    );
  }
  if (expect.dims) {
    expect.dims.forEach((want, i) => {
      if (want !== null && want !== undefined && dims[i] !== want) {
        throw new DatasetFormatError(
          file,
          `dimension ${i} is ${dims[i] ?? 'missing'}, expected ${want} (dimensions [${dims.join(', ')}])`,
        );
      }
    });
  }
  return { dims, data: bytes.subarray(header) };
}

/** Parses an IDX images file (3-D: count x rows x cols, unsigned bytes), optionally requiring rows x cols. */
export function parseIdxImages(
  bytes: Uint8Array,
  file: string,
  size?: { height: number; width: number },
): { count: number; height: number; width: number; pixels: Uint8Array } {
  const { dims, data } = parseIdx(bytes, file, {
    ndim: 3,
    what: 'images',
    dims: size ? [null, size.height, size.width] : undefined,
  });
  return { count: dims[0]!, height: dims[1]!, width: dims[2]!, pixels: data };
}

/** Parses an IDX labels file (1-D, unsigned bytes), optionally requiring every label < numClasses. */
export function parseIdxLabels(bytes: Uint8Array, file: string, numClasses?: number): Uint8Array {
  const { data } = parseIdx(bytes, file, { ndim: 1, what: 'labels' });
  if (numClasses !== undefined) checkLabels(data, file, numClasses);
  return data;
}

/** Throws DatasetFormatError at the first label >= numClasses. */
export function checkLabels(labels: Uint8Array, file: string, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label >= numClasses) {
      throw new DatasetFormatError(
        file,
        `label ${label} at record ${i} is out of range (${numClasses} classes: 0 to ${numClasses - 1})`,
      );
    }
  }
}

/**
 * Decodes an (uncompressed) IDX images + labels pair into a 1-channel ImageSet, checking that the counts agree,
 * that labels are < numClasses and, when given, the image size. `names` are the files' names for messages.
 */
export function decodeIdxPair(
  imagesBytes: Uint8Array,
  labelsBytes: Uint8Array,
  names: { images: string; labels: string },
  numClasses: number,
  size?: { height: number; width: number },
): ImageSet {
  const images = parseIdxImages(imagesBytes, names.images, size);
  const labels = parseIdxLabels(labelsBytes, names.labels);
  if (labels.length !== images.count) {
    throw new DatasetFormatError(
      names.labels,
      `${labels.length} labels, but ${names.images} has ${images.count} images`,
    );
  }
  checkLabels(labels, names.labels, numClasses);
  return {
    images: images.pixels,
    labels,
    count: images.count,
    height: images.height,
    width: images.width,
    channels: 1,
  };
}
