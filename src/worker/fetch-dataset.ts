/**
 * Fetching a dataset's files from the app's own origin (/datasets/<id>/, put there by `npm run datasets`),
 * with download progress and sha256 verification before anything is parsed.
 */
import type { DatasetId, DatasetManifest } from '../core/data/types';
import type { LoadProgress } from '../shared/protocol';
import { sha256Hex } from '../core/data/sha256';
import { dropCached, readCached, writeCached } from '../shared/dataset-cache';

const HOW_TO_FIX = 'Run `npm run datasets` (with internet, or DATASETS_DIR pointing at a local copy) and reload.';

function datasetUrl(id: DatasetId, file: string): string {
  return new URL(`${import.meta.env.BASE_URL}datasets/${id}/${file}`, self.location.origin).href;
}

/** Reads a response body chunk by chunk, reporting bytes received against the expected size. */
async function readWithProgress(res: Response, expected: number, onChunk: (loaded: number) => void): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const out = new Uint8Array(expected);
  const reader = res.body.getReader();
  let loaded = 0;
  const extra: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length <= expected) out.set(value, loaded);
    else extra.push(value);
    loaded += value.length;
    onChunk(loaded);
  }
  if (loaded !== expected) throw new Error(`received ${loaded} bytes, expected ${expected}`);
  return out;
}

/**
 * Passes progress on at most every 100 ms, and always the first and the last (all bytes in): a download reads
 * chunks of about 64 KB, and each report is a message to the page and a render there.
 */
function throttledProgress(onProgress: (p: LoadProgress) => void): (p: LoadProgress) => void {
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    if (now - last < 100 && p.loaded < p.total) return;
    last = now;
    onProgress(p);
  };
}

/** Where each file came from, and why some could not be kept in the browser's cache. */
export interface FetchReport {
  fromCache: number;
  downloaded: number;
  /** Cached entries that failed their checksum and were downloaded again. */
  corruptCached: string[];
  /** Set when verified files could not be cached (storage full or disabled): the next visit downloads them again. */
  notCached?: string;
}

/** The manifest from the server, else (offline, server down) the copy cached with the files. */
async function fetchManifest(id: DatasetId): Promise<DatasetManifest> {
  const url = datasetUrl(id, 'manifest.json');
  try {
    const res = await fetch(url, { cache: 'no-cache' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    const manifest = JSON.parse(text) as DatasetManifest;
    await writeCached(url, new TextEncoder().encode(text));
    return manifest;
  } catch (err) {
    const cached = await readCached(url);
    if (cached) {
      try {
        return JSON.parse(new TextDecoder().decode(cached)) as DatasetManifest;
      } catch {
        await dropCached(url);
      }
    }
    throw new Error(`The ${id} files are not installed (${err instanceof Error ? err.message : String(err)}). ${HOW_TO_FIX}`);
  }
}

/**
 * Fetches the manifest and every file in it, verified; files verified once are kept in the browser (Cache API)
 * and read from there next time, verified again. Throws a message that says what to do. `stored` settles once the
 * downloaded files are written to the cache (then `report.notCached` says whether they were kept).
 */
export async function fetchDatasetFiles(
  id: DatasetId,
  onAnyProgress: (p: LoadProgress) => void,
): Promise<{ manifest: DatasetManifest; files: Map<string, Uint8Array>; report: FetchReport; stored: Promise<void> }> {
  const onProgress = throttledProgress(onAnyProgress);
  const manifest = await fetchManifest(id);
  const total = manifest.files.reduce((n, f) => n + f.bytes, 0);
  // The files download at once (the small ones need not wait for the large one); progress counts bytes over all.
  const received = manifest.files.map(() => 0);
  const progress = (phase: LoadProgress['phase'], file: string, i: number, loaded: number) => {
    received[i] = loaded;
    onProgress({ phase, file, loaded: received.reduce((a, b) => a + b, 0), total });
  };
  const files = new Map<string, Uint8Array>();
  const report: FetchReport = { fromCache: 0, downloaded: 0, corruptCached: [] };
  // Verified downloads are written to the cache while the other files download and the caller decodes them.
  const writes: Promise<boolean>[] = [];
  const one = async (f: DatasetManifest['files'][number], i: number): Promise<void> => {
    const url = datasetUrl(id, f.name);
    // Only files with a checksum are cached: what comes back from the cache is verified like a download.
    if (f.sha256) {
      const cached = await readCached(url, f.sha256);
      if (cached) {
        progress('cache', f.name, i, cached.length);
        if (cached.length === f.bytes && (await sha256Hex(cached)) === f.sha256) {
          files.set(f.name, cached);
          report.fromCache++;
          return;
        }
        report.corruptCached.push(f.name);
        await dropCached(url, f.sha256);
      }
    }
    let bytes: Uint8Array;
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      if (res.headers.get('content-encoding')) {
        throw new Error(
          `the server sent it with Content-Encoding: ${res.headers.get('content-encoding')}, so the browser decoded it ` +
            'and its checksum cannot be verified; serve the dataset files as raw bytes (npm start does)',
        );
      }
      bytes = await readWithProgress(res, f.bytes, (loaded) => progress('download', f.name, i, loaded));
    } catch (err) {
      throw new Error(`Could not download ${f.name}: ${err instanceof Error ? err.message : String(err)}. ${HOW_TO_FIX}`);
    }
    progress('verify', f.name, i, f.bytes);
    const digest = await sha256Hex(bytes);
    if (f.sha256 && digest !== f.sha256) {
      throw new Error(`${f.name} is corrupt (sha256 ${digest.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…). ${HOW_TO_FIX}`);
    }
    files.set(f.name, bytes);
    report.downloaded++;
    if (f.sha256) writes.push(writeCached(url, bytes, f.sha256));
  };
  await Promise.all(manifest.files.map(one));
  const stored = Promise.all(writes).then((kept) => {
    if (kept.includes(false)) {
      report.notCached = 'This browser did not keep the files (storage full or disabled): the next visit downloads them again.';
    }
  });
  return { manifest, files, report, stored };
}
