/**
 * Threads for TensorFlow.js's wasm backend in Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build (Emscripten pthreads on worker_threads in Node) but never
 * uses it there: its WASM_HAS_MULTITHREAD_SUPPORT flag is false under Node, the pthread workers are handed
 * their scripts as blob: URLs, which worker_threads cannot load, and the C side caps the thread pool at half
 * the logical cores (one thread on a 2-core machine). `initWasmWithThreads` starts the wasm backend with
 * `threads` threads anyway:
 * - the two scripts the workers need (the pthread worker and the module factory) are written to files in a
 *   cache folder, keyed by their content, instead of blob: URLs;
 * - while the module initialises, `os.cpus()` reports 2 x `threads` cores, so the cap is `threads`;
 * - the workers are unref'd, so a finished command exits.
 * Outputs are the same bytes as with one thread (XNNPACK splits a convolution's outputs between threads, not
 * its sums); the CLI's test checks that on a whole run.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { wasmThreadsFor } from '../core/backend';

/** The module-scope names the threaded factory's source refers to in tf-backend-wasm.node.js 4.22.0. */
const BUNDLE_REQUIRES: Record<string, string> = { require$$0: 'fs', require$$1: 'path', require$$3: 'perf_hooks', require$$4: 'os' };

/** The worker script's branch that loads the factory from a blob (which a Node worker cannot). */
const WORKER_LOAD_BRANCH =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';

/** Writes `text` to `<dir>/<name>-<hash>.js` unless it is already there; returns the path. */
function cachedScript(dir: string, name: string, text: string): string {
  const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = path.join(dir, `${name}-${hash}.js`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    // Write then rename: two processes starting at once never read half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

/** The factory's source as a script a worker can evaluate: its bundle's module-scope names defined first. */
function factoryScript(source: string): string {
  const used = [...new Set(source.match(/require\$\$\d+/g) ?? [])];
  const unknown = used.filter((n) => !(n in BUNDLE_REQUIRES));
  if (unknown.length) throw new Error(`the threaded wasm factory refers to ${unknown.join(', ')}, which this version of the shim does not know`);
  const defs = [...used.map((n) => `${n}=require(${JSON.stringify(BUNDLE_REQUIRES[n])})`), 'commonjsGlobal=globalThis'];
  return `var ${defs.join(',')};\n${source}`;
}

interface PThreadApi {
  unusedWorkers: { unref(): void }[];
  runningWorkers: { unref(): void }[];
}

/**
 * Initialises the wasm backend with `threads` threads (threads <= 1: the single-threaded SIMD build, as tfjs
 * does in Node by default). Call before anything else initialises the wasm backend. Returns the thread count
 * the backend reports. Throws if the backend does not start.
 */
export async function initWasmWithThreads(threads: number, cacheDir = path.join(os.tmpdir(), 'distill-playground-wasm')): Promise<number> {
  if (threads <= 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
    return getThreadsCount();
  }
  const realBlob = globalThis.Blob;
  const realCreate = URL.createObjectURL;
  const realCpus = os.cpus;
  let factoryFile: string | undefined;
  const texts = new WeakMap<Blob, string>();
  class FileBlob extends realBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      const text = (parts ?? []).map((p) => (typeof p === 'string' ? p : '')).join('');
      texts.set(this, text);
      if (text.startsWith(FACTORY_PREFIX)) factoryFile = cachedScript(cacheDir, 'tfjs-wasm-threaded-factory', factoryScript(text));
    }
  }
  globalThis.Blob = FileBlob;
  URL.createObjectURL = (blob: Blob) => {
    const text = texts.get(blob);
    if (text === undefined) return realCreate(blob);
    if (!factoryFile) throw new Error('the threaded wasm worker script came before its factory');
    const worker = text.replace(WORKER_LOAD_BRANCH, `importScripts(${JSON.stringify(factoryFile)});`);
    if (worker === text) throw new Error('the threaded wasm worker script is not the one this shim knows (tfjs-backend-wasm 4.22.0)');
    return cachedScript(cacheDir, 'tfjs-wasm-threaded-worker', worker);
  };
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus()[i % realCpus().length]!);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend failed to initialise');
  } finally {
    globalThis.Blob = realBlob;
    URL.createObjectURL = realCreate;
    os.cpus = realCpus;
  }
  // The pool's workers wait for work forever: let the process exit without them.
  const pthread = (tf.findBackend('wasm') as unknown as { wasm: { PThread?: PThreadApi } }).wasm.PThread;
  for (const w of [...(pthread?.unusedWorkers ?? []), ...(pthread?.runningWorkers ?? [])]) w.unref();
  return getThreadsCount();
}

/** The threads to use by default: one per core this process may use, at most 8 (the build's pool). */
export function defaultWasmThreads(): number {
  return wasmThreadsFor(os.availableParallelism());
}
