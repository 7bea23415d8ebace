/**
 * The logic behind `npm run datasets`: put each dataset's verified files under public/datasets/<id>/ with a
 * manifest.json, from a file already in place, a local folder laid out like ../shared/datasets (DATASETS_DIR), or a
 * download. Nothing that fails verification is ever used: it is rejected (from a source) or removed (in place).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CIFAR_RECORD_BYTES } from '../src/core/data/cifar';
import { gunzip } from '../src/core/data/idx';
import { DATASET_IDS, DATASETS, DEFAULT_DATASET_ID } from '../src/core/data/registry';
import type {
  DatasetFile,
  DatasetId,
  DatasetManifest,
  DatasetSpec,
  DatasetVariant,
  DownloadSource,
  ManifestFile,
} from '../src/core/data/types';

/** The subset of `fetch` the installer uses (injectable in tests). */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/** Options of `installDatasets`. */
export interface InstallOptions {
  /** Datasets to install; default all. */
  ids?: readonly DatasetId[];
  /** A folder laid out `<datasetsDir>/<id>/<file>` (like ../shared/datasets); tried before downloading. */
  datasetsDir?: string;
  /** Where the datasets go: `<publicDir>/<id>/<file>` and `<publicDir>/<id>/manifest.json`. */
  publicDir: string;
  /** Used for downloads; default the global fetch. */
  fetch?: FetchLike;
  /** Set false to never download (offline); default true. */
  download?: boolean;
  /** Receives one human-readable line per event; default console.log. */
  log?: (line: string) => void;
  /** Replaces registry specs (tests). */
  specs?: Partial<Record<DatasetId, DatasetSpec>>;
  /** A download is abandoned after this long without data; default 30 s. */
  idleTimeoutMs?: number;
}

/** How one file came to be in place. */
export type FileStatus = 'up-to-date' | 'copied' | 'downloaded' | 'extracted';

/** One installed, verified file. */
export interface InstalledFile extends ManifestFile {
  status: FileStatus;
  /** The path or URL it came from (absent when up to date). */
  from?: string;
}

/** The outcome for one dataset. */
export interface DatasetInstallResult {
  id: DatasetId;
  ok: boolean;
  /** The variant installed (when ok). */
  variant?: string;
  manifest?: DatasetManifest;
  files: InstalledFile[];
  /** Why sources were rejected or unavailable (also logged). */
  problems: string[];
}

/** The outcome of `installDatasets`: `ok` is false only when the default dataset (MNIST) was asked for and is missing. */
export interface InstallReport {
  ok: boolean;
  results: DatasetInstallResult[];
}

/** Lower-case hex digest of `bytes`. */
export function digestHex(algorithm: 'sha256' | 'md5', bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
  return e.message + cause;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function fileSize(p: string): Promise<number | undefined> {
  try {
    const s = await stat(p);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

async function writeAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Structural check for files with no published sha256 (CIFAR-10 batches): whole records, labels 0..9. */
function structureProblem(file: DatasetFile, bytes: Uint8Array): string | undefined {
  if (file.role !== 'train-batch' && file.role !== 'test-batch') return undefined;
  if (bytes.length % CIFAR_RECORD_BYTES !== 0) return `not a whole number of ${CIFAR_RECORD_BYTES}-byte records`;
  for (let at = 0; at < bytes.length; at += CIFAR_RECORD_BYTES) {
    if (bytes[at]! > 9) return `record ${at / CIFAR_RECORD_BYTES} has label ${bytes[at]!}, expected 0 to 9`;
  }
  return undefined;
}

/**
 * Verifies bytes against a registry file: size, then sha256 (registry's, else `knownSha256`), else structure.
 * Returns the problem, or the sha256 of the bytes when they verify.
 */
export function verifyBytes(
  file: DatasetFile,
  bytes: Uint8Array,
  knownSha256?: string,
): { ok: true; sha256: string } | { ok: false; problem: string } {
  if (bytes.length !== file.bytes) return { ok: false, problem: `${bytes.length} bytes, expected ${file.bytes}` };
  const sha256 = digestHex('sha256', bytes);
  const expected = file.sha256 ?? knownSha256;
  if (expected && sha256 !== expected) return { ok: false, problem: `sha256 ${sha256}, expected ${expected}` };
  if (!expected) {
    const problem = structureProblem(file, bytes);
    if (problem) return { ok: false, problem };
  }
  return { ok: true, sha256 };
}

function checkOctal(field: Uint8Array, what: string): number {
  if ((field[0]! & 0x80) !== 0) throw new Error(`tar: base-256 ${what} is not supported`);
  const text = new TextDecoder().decode(field).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`tar: bad ${what} field '${text}'`);
  return parseInt(text, 8);
}

function cString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

/**
 * A tiny ustar reader: the regular files of an (uncompressed) tar, path → bytes (views, no copy). Handles ustar
 * prefixes, GNU long names and pax `path`; checks header checksums and bounds; throws Error on a malformed archive.
 */
export function readTar(bytes: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let at = 0;
  let longName: string | undefined;
  while (at + 512 <= bytes.length) {
    const h = bytes.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const checksum = checkOctal(h.subarray(148, 156), 'checksum');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== checksum) throw new Error(`tar: header checksum mismatch at offset ${at}`);
    const size = checkOctal(h.subarray(124, 136), 'size');
    const type = String.fromCharCode(h[156]!);
    const isUstar = cString(h.subarray(257, 263)).startsWith('ustar');
    const prefix = isUstar ? cString(h.subarray(345, 500)) : '';
    const baseName = cString(h.subarray(0, 100));
    const name = longName ?? (prefix ? `${prefix}/${baseName}` : baseName);
    const start = at + 512;
    if (start + size > bytes.length) throw new Error(`tar: member ${name} is truncated`);
    const data = bytes.subarray(start, start + size);
    longName = undefined;
    if (type === 'L') {
      longName = cString(data);
    } else if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(data));
      if (m) longName = m[1];
    } else if (type === '0' || type === '\0' || type === '7') {
      out.set(name, data);
    }
    at = start + Math.ceil(size / 512) * 512;
  }
  return out;
}

interface VariantAttempt {
  ok: boolean;
  files: InstalledFile[];
  missing: string[];
  problems: string[];
}

interface Context {
  spec: DatasetSpec;
  targetDir: string;
  opts: Required<Pick<InstallOptions, 'download' | 'idleTimeoutMs'>> & InstallOptions;
  fetch: FetchLike;
  log: (line: string) => void;
  previous?: DatasetManifest;
}

/** A path as the log shows it: relative to the working directory when near it, else absolute. */
export function show(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..' + path.sep + '..' + path.sep + '..') ? rel : p;
}

/** Streams a URL to `tmp`, abandoning after idleTimeoutMs without data or beyond `maxBytes`; returns size + digests. */
async function downloadTo(
  ctx: Context,
  url: string,
  tmp: string,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string; md5: string }> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${ctx.opts.idleTimeoutMs} ms`)), ctx.opts.idleTimeoutMs);
  };
  arm();
  const handle = await open(tmp, 'w');
  try {
    const res = await ctx.fetch(url, { signal: controller.signal });
    if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
    if (!res.body) throw new Error('empty response');
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared !== maxBytes) {
      throw new Error(`server says ${declared} bytes, expected ${maxBytes}`);
    }
    const sha = createHash('sha256');
    const md5 = createHash('md5');
    let n = 0;
    const reader = res.body.getReader();
    for (;;) {
      arm();
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > maxBytes) {
        await reader.cancel();
        throw new Error(`more than the expected ${maxBytes} bytes`);
      }
      sha.update(value);
      md5.update(value);
      await handle.write(value);
    }
    return { bytes: n, sha256: sha.digest('hex'), md5: md5.digest('hex') };
  } finally {
    if (timer) clearTimeout(timer);
    await handle.close();
  }
}

/** Extracts the pending members of a verified archive into the target dir. */
async function extractArchive(
  ctx: Context,
  source: Extract<DownloadSource, { kind: 'tar.gz' }>,
  archive: Uint8Array,
  from: string,
  pending: DatasetFile[],
  got: Map<string, InstalledFile>,
  problems: string[],
): Promise<void> {
  const archiveName = path.basename(source.url);
  let members: Map<string, Uint8Array>;
  try {
    members = readTar(gunzip(archive, archiveName, 2 ** 31 - 1));
  } catch (e) {
    problems.push(`${from}: ${errorText(e)}`);
    ctx.log(`${ctx.spec.id}: rejected ${from}: ${errorText(e)}; not used`);
    return;
  }
  for (const file of pending) {
    const memberPath = source.members[file.name];
    const data = memberPath === undefined ? undefined : members.get(memberPath);
    if (!data) {
      problems.push(`${from} has no member ${memberPath ?? file.name}`);
      continue;
    }
    const v = verifyBytes(file, data);
    if (!v.ok) {
      problems.push(`${from} member ${memberPath}: ${v.problem}`);
      ctx.log(`${ctx.spec.id}/${file.name}: rejected member ${memberPath} of ${from}: ${v.problem}; not used`);
      continue;
    }
    await writeAtomic(path.join(ctx.targetDir, file.name), data);
    got.set(file.name, { ...manifestEntry(file, v.sha256), status: 'extracted', from: `${from}:${memberPath}` });
    ctx.log(
      `${ctx.spec.id}/${file.name}: extracted from ${from} (archive md5 verified; ${file.bytes} bytes, ` +
        `sha256 ${v.sha256} recorded)`,
    );
  }
}

function manifestEntry(file: DatasetFile, sha256: string): ManifestFile {
  return { name: file.name, role: file.role, bytes: file.bytes, sha256 };
}

async function tryVariant(ctx: Context, variant: DatasetVariant): Promise<VariantAttempt> {
  const { spec, targetDir, opts } = ctx;
  const got = new Map<string, InstalledFile>();
  const problems: string[] = [];
  const pending = (): DatasetFile[] => variant.files.filter((f) => !got.has(f.name));
  const recorded = (f: DatasetFile): string | undefined =>
    ctx.previous?.variant === variant.id ? ctx.previous.files.find((m) => m.name === f.name)?.sha256 : undefined;

  // 1. Already in place.
  for (const file of variant.files) {
    const target = path.join(targetDir, file.name);
    const size = await fileSize(target);
    if (size === undefined) continue;
    const known = file.sha256 ?? recorded(file);
    if (!known) {
      problems.push(`${show(target)}: in place but no sha256 recorded for it`);
      continue;
    }
    const v = size === file.bytes ? verifyBytes(file, await readFile(target), known) : undefined;
    if (v?.ok) {
      got.set(file.name, { ...manifestEntry(file, v.sha256), status: 'up-to-date' });
      ctx.log(`${spec.id}/${file.name}: up to date (${file.bytes} bytes, sha256 verified)`);
    } else {
      const why = v ? v.problem : `${size} bytes, expected ${file.bytes}`;
      await rm(target, { force: true });
      ctx.log(`${spec.id}/${file.name}: the copy in place fails verification (${why}); removed, fetching a good one`);
    }
  }

  // 2. The local folder: loose files, then archives.
  if (!opts.datasetsDir && pending().length > 0) problems.push('DATASETS_DIR is not set');
  if (opts.datasetsDir && pending().length > 0) {
    const dir = path.join(opts.datasetsDir, spec.id);
    const absent: string[] = [];
    for (const file of pending()) {
      const src = file.localPath ? path.join(opts.datasetsDir, file.localPath) : path.join(dir, file.name);
      if (!(await exists(src))) {
        absent.push(file.name);
        continue;
      }
      const bytes = await readFile(src);
      const v = verifyBytes(file, bytes);
      if (!v.ok) {
        problems.push(`${show(src)}: ${v.problem}`);
        ctx.log(`${spec.id}/${file.name}: rejected ${show(src)}: ${v.problem}; not used`);
        continue;
      }
      await writeAtomic(path.join(targetDir, file.name), bytes);
      got.set(file.name, { ...manifestEntry(file, v.sha256), status: 'copied', from: src });
      const how = file.sha256 ? 'sha256 verified' : 'no published sha256: size and labels checked';
      ctx.log(`${spec.id}/${file.name}: copied from ${show(src)} (${file.bytes} bytes, ${how})`);
    }
    for (const source of variant.download) {
      if (source.kind !== 'tar.gz' || pending().length === 0) continue;
      const src = path.join(dir, path.basename(source.url));
      if (!(await exists(src))) {
        absent.push(`or ${path.basename(src)}`);
        continue;
      }
      const archive = await readFile(src);
      const md5 = digestHex('md5', archive);
      if (archive.length !== source.bytes || md5 !== source.md5) {
        const problem = `${archive.length} bytes, md5 ${md5}; expected ${source.bytes} bytes, md5 ${source.md5}`;
        problems.push(`${show(src)}: ${problem}`);
        ctx.log(`${spec.id}: rejected ${show(src)}: ${problem}; not used`);
        continue;
      }
      await extractArchive(ctx, source, archive, show(src), pending(), got, problems);
    }
    if (absent.length > 0 && pending().length > 0) {
      const local = variant.files.find((f) => f.localPath && pending().includes(f));
      problems.push(
        local
          ? `not in DATASETS_DIR (${show(path.join(opts.datasetsDir, local.localPath!))})`
          : `not in DATASETS_DIR (${show(dir)}${path.sep}: ${absent.join(', ')})`,
      );
    }
  }

  // 3. Download.
  if (pending().length > 0 && !opts.download) problems.push('downloads are off');
  if (pending().length > 0 && opts.download) {
    if (variant.download.length === 0) problems.push('no public download');
    for (const file of pending()) {
      for (const source of variant.download) {
        if (source.kind !== 'files' || got.has(file.name)) continue;
        const url = source.baseUrl + file.name;
        const target = path.join(targetDir, file.name);
        const tmp = path.join(targetDir, `.${file.name}.download-${process.pid}`);
        try {
          const d = await downloadTo(ctx, url, tmp, file.bytes);
          const problem =
            d.bytes !== file.bytes
              ? `${d.bytes} bytes, expected ${file.bytes}`
              : file.sha256 && d.sha256 !== file.sha256
                ? `sha256 ${d.sha256}, expected ${file.sha256}`
                : undefined;
          if (problem) {
            problems.push(`${url}: ${problem}`);
            ctx.log(`${spec.id}/${file.name}: rejected the download from ${url}: ${problem}; not used`);
            continue;
          }
          await rename(tmp, target);
          got.set(file.name, { ...manifestEntry(file, d.sha256), status: 'downloaded', from: url });
          ctx.log(`${spec.id}/${file.name}: downloaded from ${url} (${file.bytes} bytes, sha256 verified)`);
        } catch (e) {
          problems.push(`${url}: ${errorText(e)}`);
        } finally {
          await rm(tmp, { force: true });
        }
      }
    }
    for (const source of variant.download) {
      if (source.kind !== 'tar.gz' || pending().length === 0) continue;
      const tmp = path.join(targetDir, `.${path.basename(source.url)}.download-${process.pid}`);
      try {
        ctx.log(`${spec.id}: downloading ${source.url} (${(source.bytes / 1e6).toFixed(0)} MB)...`);
        const d = await downloadTo(ctx, source.url, tmp, source.bytes);
        if (d.bytes !== source.bytes || d.md5 !== source.md5) {
          const problem = `${d.bytes} bytes, md5 ${d.md5}; expected ${source.bytes} bytes, md5 ${source.md5}`;
          problems.push(`${source.url}: ${problem}`);
          ctx.log(`${spec.id}: rejected the download from ${source.url}: ${problem}; not used`);
          continue;
        }
        await extractArchive(ctx, source, await readFile(tmp), source.url, pending(), got, problems);
      } catch (e) {
        problems.push(`${source.url}: ${errorText(e)}`);
      } finally {
        await rm(tmp, { force: true });
      }
    }
  }

  const missing = pending().map((f) => f.name);
  const files = variant.files.flatMap((f) => got.get(f.name) ?? []);
  return { ok: missing.length === 0, files, missing, problems: [...new Set(problems)] };
}

async function readPreviousManifest(targetDir: string): Promise<DatasetManifest | undefined> {
  try {
    const value = JSON.parse(await readFile(path.join(targetDir, 'manifest.json'), 'utf8')) as Partial<DatasetManifest>;
    if (typeof value.variant !== 'string' || !Array.isArray(value.files)) return undefined;
    return value as DatasetManifest;
  } catch {
    return undefined;
  }
}

/** The hint printed when a dataset cannot be had. */
export const FIX_HINT =
  'To fix: set DATASETS_DIR to a folder laid out like ../shared/datasets (DATASETS_DIR/<id>/<file>), ' +
  'check the network, or upload the files in the app.';

async function installOne(id: DatasetId, opts: Context['opts']): Promise<DatasetInstallResult> {
  const spec = opts.specs?.[id] ?? DATASETS[id];
  const targetDir = path.join(opts.publicDir, id);
  await mkdir(targetDir, { recursive: true });
  const log = opts.log ?? ((line: string) => console.log(line));
  const ctx: Context = {
    spec,
    targetDir,
    opts,
    fetch: opts.fetch ?? ((url, init) => globalThis.fetch(url, init)),
    log,
    previous: await readPreviousManifest(targetDir),
  };
  const problems: string[] = [];
  for (const [i, variant] of spec.variants.entries()) {
    const attempt = await tryVariant(ctx, variant);
    problems.push(...attempt.problems);
    const next = spec.variants[i + 1];
    if (attempt.ok) {
      const manifest: DatasetManifest = {
        id,
        variant: variant.id,
        files: attempt.files.map((f) => manifestEntry(f, f.sha256)),
      };
      const text = JSON.stringify(manifest, null, 2) + '\n';
      const manifestPath = path.join(targetDir, 'manifest.json');
      const old = await readFile(manifestPath, 'utf8').catch(() => undefined);
      if (old !== text) await writeAtomic(manifestPath, text);
      const note = variant.lacksTestSplit ? ' It has no test split: the app holds out 20% of the training images.' : '';
      log(`${id}: installed variant '${variant.id}' in ${show(targetDir)}: ${variant.description}.${note}`);
      return { id, ok: true, variant: variant.id, manifest, files: attempt.files, problems };
    }
    const why = attempt.problems.length > 0 ? ` Tried: ${attempt.problems.join('; ')}.` : '';
    if (next) {
      log(
        `${id}: variant '${variant.id}' is not available (missing ${attempt.missing.join(', ')}).${why} ` +
          `Falling back to variant '${next.id}'.`,
      );
    } else {
      for (const name of attempt.missing) log(`${id}/${name}: MISSING`);
      log(`${id}: ${spec.name} is not installed.${why}`);
      log(`${id}: ${FIX_HINT}`);
    }
  }
  await rm(path.join(targetDir, 'manifest.json'), { force: true });
  return { id, ok: false, files: [], problems };
}

/**
 * Installs the datasets `ids` (default all) under `publicDir`, from files in place, `datasetsDir`, or downloads;
 * writes each manifest.json. Never throws for a missing dataset: see the report (ok is false only if MNIST is missing).
 */
export async function installDatasets(options: InstallOptions): Promise<InstallReport> {
  const opts = { download: true, idleTimeoutMs: 30_000, ...options };
  const ids = options.ids ?? DATASET_IDS;
  const results: DatasetInstallResult[] = [];
  for (const id of ids) results.push(await installOne(id, opts));
  const missingDefault = results.some((r) => r.id === DEFAULT_DATASET_ID && !r.ok);
  const log = opts.log ?? ((line: string) => console.log(line));
  for (const r of results) {
    if (!r.ok && r.id !== DEFAULT_DATASET_ID) log(`warning: ${r.id} is missing; the app can still run the other datasets.`);
  }
  if (missingDefault) log(`error: ${DEFAULT_DATASET_ID} (the default dataset) is missing.`);
  return { ok: !missingDefault, results };
}
