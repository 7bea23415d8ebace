/**
 * A strict zip reader for untrusted files: the central directory is read and checked (entry count, total unpacked
 * size) before anything is inflated, so a zip bomb is refused without allocating; each entry is then inflated into
 * a buffer of exactly its declared size and checked against its CRC-32. Errors are DatasetFormatErrors naming the file.
 */
import { inflateSync } from 'fflate';
import { DatasetFormatError } from './errors';
import { crc32 } from './idx';

/** Most entries (files and folders) a zip may list. The CIFAR-10 JPEG zip has 60000 files and 22 folders. */
export const MAX_ZIP_ENTRIES = 100_000;
/** Most bytes a zip's entries may unpack to, all together (256 MiB). */
export const MAX_ZIP_UNPACKED_BYTES = 2 ** 28;

/** One entry of the central directory. */
export interface ZipEntry {
  /** Path inside the zip, with forward slashes; folders end with '/'. */
  name: string;
  isDirectory: boolean;
  /** 0 stored, 8 deflate. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  localOffset: number;
}

export interface ZipLimits {
  maxEntries?: number;
  maxUnpackedBytes?: number;
}

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, at: number): number => u32(b, at) + u32(b, at + 4) * 2 ** 32;

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** True when the bytes start like a zip (a local file header, or an empty zip's end record). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (u32(bytes, 0) === LOCAL || u32(bytes, 0) === EOCD);
}

/**
 * Reads the central directory of `bytes` (the zip called `file`) and returns its entries, refusing before any
 * inflation: a zip with more than `maxEntries` entries or whose entries unpack to more than `maxUnpackedBytes`,
 * encrypted entries, methods other than stored/deflate, and any offset or size outside the file.
 */
export function readZipDirectory(bytes: Uint8Array, file: string, limits: ZipLimits = {}): ZipEntry[] {
  const maxEntries = limits.maxEntries ?? MAX_ZIP_ENTRIES;
  const maxUnpacked = limits.maxUnpackedBytes ?? MAX_ZIP_UNPACKED_BYTES;
  const n = bytes.length;
  if (n === 0) throw new DatasetFormatError(file, 'empty file (0 bytes)');
  const corrupt = (what: string) => new DatasetFormatError(file, `corrupt or truncated zip: ${what}`);
  // The end record is the last 22 bytes, plus a comment of up to 65535 bytes.
  let eocd = -1;
  for (let at = n - 22; at >= Math.max(0, n - 22 - 0xffff); at--) {
    if (u32(bytes, at) === EOCD && at + 22 + u16(bytes, at + 20) === n) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) {
    throw looksLikeZip(bytes)
      ? corrupt('no end-of-central-directory record (the end of the file is missing)')
      : new DatasetFormatError(file, 'not a zip file (no zip signature)');
  }
  let count = u16(bytes, eocd + 10);
  let dirSize = u32(bytes, eocd + 12);
  let dirOffset = u32(bytes, eocd + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(bytes, loc) !== ZIP64_LOCATOR) throw corrupt('a zip64 archive without its zip64 locator');
    const z = u64(bytes, loc + 8);
    if (z + 56 > n || u32(bytes, z) !== ZIP64_EOCD) throw corrupt('the zip64 end record is missing');
    count = u64(bytes, z + 32);
    dirSize = u64(bytes, z + 40);
    dirOffset = u64(bytes, z + 48);
  }
  if (count > maxEntries) {
    throw new DatasetFormatError(file, `the zip lists ${count} entries, more than the ${maxEntries} accepted; nothing was unpacked`);
  }
  if (dirOffset + dirSize > n) throw corrupt(`the central directory (${dirSize} bytes at ${dirOffset}) lies past the end of the ${n}-byte file`);
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let total = 0;
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > n || u32(bytes, at) !== CENTRAL) throw corrupt(`central directory entry ${i} is damaged`);
    const flags = u16(bytes, at + 8);
    const method = u16(bytes, at + 10);
    const crc = u32(bytes, at + 16);
    let compressedSize = u32(bytes, at + 20);
    let size = u32(bytes, at + 24);
    const nameLen = u16(bytes, at + 28);
    const extraLen = u16(bytes, at + 30);
    const commentLen = u16(bytes, at + 32);
    let localOffset = u32(bytes, at + 42);
    const nameEnd = at + 46 + nameLen;
    if (nameEnd + extraLen + commentLen > n) throw corrupt(`central directory entry ${i} runs past the end of the file`);
    const name = decoder.decode(bytes.subarray(at + 46, nameEnd)).replace(/\\/g, '/');
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      // Zip64 extra field (id 1): the 64-bit values, in order, of those that are 0xFFFFFFFF.
      let e = nameEnd;
      const end = nameEnd + extraLen;
      while (e + 4 <= end && u16(bytes, e) !== 1) e += 4 + u16(bytes, e + 2);
      if (e + 4 > end) throw corrupt(`${name}: a zip64 size without its zip64 field`);
      let v = e + 4;
      if (size === 0xffffffff) {
        size = u64(bytes, v);
        v += 8;
      }
      if (compressedSize === 0xffffffff) {
        compressedSize = u64(bytes, v);
        v += 8;
      }
      if (localOffset === 0xffffffff) localOffset = u64(bytes, v);
    }
    if (flags & 1) throw new DatasetFormatError(file, `${name} is encrypted; zips with passwords are not supported`);
    const isDirectory = name.endsWith('/');
    if (!isDirectory && method !== 0 && method !== 8) {
      throw new DatasetFormatError(file, `${name} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
    }
    total += size;
    if (total > maxUnpacked) {
      throw new DatasetFormatError(
        file,
        `the zip's entries unpack to more than ${maxUnpacked} bytes (the limit), ${entries.length + 1} of ${count} entries ` +
          `already claim ${total}: a zip bomb or too large a dataset; nothing was unpacked`,
      );
    }
    if (localOffset + 30 > n) throw corrupt(`${name} starts past the end of the file`);
    entries.push({ name, isDirectory, method, crc, compressedSize, size, localOffset });
    at = nameEnd + extraLen + commentLen;
  }
  return entries;
}

/** The bytes of one entry: inflated into exactly `entry.size` bytes and checked against its CRC-32. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  const corrupt = (what: string) => new DatasetFormatError(file, `corrupt or truncated zip: ${entry.name}: ${what}`);
  const at = entry.localOffset;
  if (u32(bytes, at) !== LOCAL) throw corrupt('its local header is missing');
  const start = at + 30 + u16(bytes, at + 26) + u16(bytes, at + 28);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw corrupt(`its ${entry.compressedSize} compressed bytes run past the end of the file`);
  const data = bytes.subarray(start, end);
  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw corrupt(`stored with ${entry.compressedSize} bytes but ${entry.size} declared`);
    out = data;
  } else {
    try {
      // With `out` given, fflate writes into exactly `size` bytes and never grows it.
      out = inflateSync(data, { out: new Uint8Array(entry.size) });
    } catch (e) {
      throw corrupt(`bad deflate data (${e instanceof Error ? e.message : String(e)})`);
    }
    if (out.length !== entry.size) throw corrupt(`inflated to ${out.length} bytes, ${entry.size} declared`);
  }
  if (crc32(out) !== entry.crc) throw corrupt('CRC-32 mismatch (damaged data)');
  return out;
}
