/**
 * Fetching a dataset's files from the app's own origin (/datasets/<id>/, put there by `npm run datasets`),
 * with download progress and sha256 verification before anything is parsed.
 */
import type { DatasetId, DatasetManifest } from '../core/data/types';
import type { LoadProgress } from '../shared/protocol';
import { sha256Hex } from '../core/data/sha256';

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

/** Fetches the manifest and every file in it, verified; throws a message that says what to do. */
export async function fetchDatasetFiles(
  id: DatasetId,
  onProgress: (p: LoadProgress) => void,
): Promise<{ manifest: DatasetManifest; files: Map<string, Uint8Array> }> {
  let manifest: DatasetManifest;
  try {
    const res = await fetch(datasetUrl(id, 'manifest.json'));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    manifest = (await res.json()) as DatasetManifest;
  } catch (err) {
    throw new Error(`The ${id} files are not installed (${err instanceof Error ? err.message : String(err)}). ${HOW_TO_FIX}`);
  }
  const total = manifest.files.reduce((n, f) => n + f.bytes, 0);
  let done = 0;
  const files = new Map<string, Uint8Array>();
  for (const f of manifest.files) {
    let bytes: Uint8Array;
    try {
      const res = await fetch(datasetUrl(id, f.name));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      if (res.headers.get('content-encoding')) {
        throw new Error(
          `the server sent it with Content-Encoding: ${res.headers.get('content-encoding')}, so the browser decoded it ` +
            'and its checksum cannot be verified; serve the dataset files as raw bytes (npm start does)',
        );
      }
      bytes = await readWithProgress(res, f.bytes, (loaded) =>
        onProgress({ phase: 'download', file: f.name, loaded: done + loaded, total }),
      );
    } catch (err) {
      throw new Error(`Could not download ${f.name}: ${err instanceof Error ? err.message : String(err)}. ${HOW_TO_FIX}`);
    }
    done += f.bytes;
    onProgress({ phase: 'verify', file: f.name, loaded: done, total });
    const digest = await sha256Hex(bytes);
    if (f.sha256 && digest !== f.sha256) {
      throw new Error(`${f.name} is corrupt (sha256 ${digest.slice(0, 12)}…, expected ${f.sha256.slice(0, 12)}…). ${HOW_TO_FIX}`);
    }
    files.set(f.name, bytes);
  }
  return { manifest, files };
}
