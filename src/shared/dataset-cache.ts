/**
 * Dataset files kept in the browser (Cache API) once downloaded and verified, so a second visit reads them
 * locally, offline too. An entry is keyed by the file's URL and its sha256 (a new manifest means new keys) and is
 * verified again each time it is read: a corrupt entry is dropped and the file downloaded afresh. Used by the worker
 * (reads and writes) and by the page (size, clear); where the Cache API is missing everything here is a no-op.
 */
const CACHE_NAME = 'distill-playground-datasets-v1';

function available(): boolean {
  return typeof caches !== 'undefined';
}

async function open(): Promise<Cache | null> {
  if (!available()) return null;
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    // Storage disabled (some private modes): behave as an empty cache.
    return null;
  }
}

/** The cache key of a file: its URL with the expected sha256 as a query (the Cache API ignores fragments). */
function key(url: string, sha256?: string): string {
  return sha256 ? `${url}?sha256=${sha256}` : url;
}

/** The cached bytes of a file, or null. */
export async function readCached(url: string, sha256?: string): Promise<Uint8Array | null> {
  const cache = await open();
  const hit = await cache?.match(key(url, sha256)).catch(() => undefined);
  if (!hit) return null;
  try {
    return new Uint8Array(await hit.arrayBuffer());
  } catch {
    return null;
  }
}

/** Keeps a verified file; returns false (and keeps nothing) when storage refuses it (quota). */
export async function writeCached(url: string, bytes: Uint8Array, sha256?: string): Promise<boolean> {
  const cache = await open();
  if (!cache) return false;
  try {
    await cache.put(
      key(url, sha256),
      new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), 'x-cached-at': new Date().toISOString() } }),
    );
    return true;
  } catch {
    return false;
  }
}

export async function dropCached(url: string, sha256?: string): Promise<void> {
  await (await open())?.delete(key(url, sha256)).catch(() => false);
}

export interface CachedDatasets {
  /** Whether this browser can keep datasets at all. */
  available: boolean;
  files: number;
  bytes: number;
  /** Dataset ids with at least one cached file. */
  datasets: string[];
}

/** What is cached: files, bytes, and which datasets (from the /datasets/<id>/ part of their URLs). */
export async function cachedDatasets(): Promise<CachedDatasets> {
  const cache = await open();
  if (!cache) return { available: false, files: 0, bytes: 0, datasets: [] };
  const requests = await cache.keys();
  let bytes = 0;
  const ids = new Set<string>();
  for (const req of requests) {
    const res = await cache.match(req);
    bytes += Number(res?.headers.get('content-length') ?? 0);
    const m = /\/datasets\/([^/]+)\//.exec(new URL(req.url).pathname);
    if (m) ids.add(m[1]!);
  }
  return { available: true, files: requests.length, bytes, datasets: [...ids].sort() };
}

/** Forgets every cached dataset file. */
export async function clearCachedDatasets(): Promise<void> {
  if (available()) await caches.delete(CACHE_NAME);
}
