/**
 * Browser side of `npm run bench:dm`: drives the app's own worker (same code as the UI) through its API
 * and publishes the median ms per DM iteration on `window.benchResult`.
 * Query: ?backend=wasm&width=128&ipc=10&real=256&iterations=6
 */
import * as Comlink from 'comlink';
import type { EngineApi, RunEvent } from '../src/shared/protocol';
import { DEFAULT_RUN_CONFIG } from '../src/shared/protocol';

const q = new URLSearchParams(location.search);
const num = (k: string, d: number) => Number(q.get(k) ?? d);
const out = document.getElementById('out')!;

async function main() {
  const worker = new Worker(new URL('../src/worker/engine.worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<EngineApi>(worker);
  const report = await api.initBackend((q.get('backend') ?? 'wasm') as 'wasm');
  await api.loadDataset(
    'mnist',
    Comlink.proxy(() => {}),
  );
  const config = {
    ...DEFAULT_RUN_CONFIG,
    width: num('width', 128),
    ipc: num('ipc', 10),
    realPerClass: num('real', 256),
    iterations: num('iterations', 6),
  };
  const ms: number[] = [];
  const events: RunEvent[] = [];
  await api.start(
    config,
    Comlink.proxy((e: RunEvent) => {
      events.push(e);
      if (e.type === 'progress') for (const p of e.points) ms.push(p.ms);
    }),
  );
  const err = events.find((e) => e.type === 'error');
  // Skip the first iteration (kernel compilation / warm-up) when there are others.
  const steady = (ms.length > 1 ? ms.slice(1) : ms).sort((a, b) => a - b);
  const median = steady[Math.floor(steady.length / 2)] ?? NaN;
  const result = { backend: report.backend, detail: report.detail, config, msPerIteration: median, all: ms, error: err };
  out.textContent = JSON.stringify(result, null, 2);
  (window as unknown as { benchResult: unknown }).benchResult = result;
}

main().catch((e: unknown) => {
  (window as unknown as { benchResult: unknown }).benchResult = { error: String(e) };
});
