/**
 * A small DM distillation on WebGPU in Node (the optional `webgpu` package, as `distill run --backend webgpu`
 * loads it) and the same on cpu; prints one JSON line: the adapter, the largest absolute pixel difference, and
 * each side's ms. Run in a child process by webgpu-node.test.ts: Dawn finds the Vulkan loader through
 * LD_LIBRARY_PATH, which only a new process picks up. Two MNIST classes and depth 2 keep it short on the
 * software adapter (each kernel dispatch costs milliseconds there).
 */
import * as tf from '@tensorflow/tfjs';
import { loadNodeWebGpu } from '../node/webgpu';
import { loadDatasetFromDir } from '../node/datasets';
import { subsetImageSet } from '../core/data/load';
import { prepareRealData, type RealData } from '../core/data/batches';
import { silenceTfjsNodeBanner } from '../node/quiet-tfjs';
import { DistillRun, stepTo } from '../core/run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../shared/protocol';
import { datasetsDir } from './tf';

const CLASSES = 2;
const PER_CLASS = 8;

/** The first PER_CLASS training images of MNIST's first CLASSES classes. */
function twoClasses(): RealData {
  const d = loadDatasetFromDir('mnist', datasetsDir());
  const picks: number[] = [];
  for (let c = 0; c < CLASSES; c++) {
    let n = 0;
    for (let i = 0; i < d.train.count && n < PER_CLASS; i++) {
      if (d.train.labels[i] === c) {
        picks.push(i);
        n++;
      }
    }
  }
  return prepareRealData(subsetImageSet(d.train, picks), { ...d.spec, classes: d.spec.classes.slice(0, CLASSES) });
}

async function distil(backend: 'webgpu' | 'cpu', data: RealData, config: RunConfig) {
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} failed to initialise`);
  await tf.ready();
  const run = new DistillRun(data, config);
  const t0 = performance.now();
  try {
    await run.prepare();
    const initial = await run.pixels();
    // Each loss read, so that the time includes the backend's work.
    await stepTo(run, config.iterations, () => {});
    return { initial, pixels: await run.pixels(), ms: Math.round(performance.now() - t0) };
  } finally {
    run.dispose();
  }
}

async function main() {
  silenceTfjsNodeBanner();
  const gpu = await loadNodeWebGpu();
  const config: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'dm', ipc: 1, width: 4, depth: 2, realPerClass: PER_CLASS, iterations: 2, seed: 7, dsa: false };
  const data = twoClasses();
  const webgpu = await distil('webgpu', data, config);
  const cpu = await distil('cpu', data, config);
  let maxAbsDiff = 0;
  // How far the run moved the images (a silently failing kernel would leave them as initialised).
  let moved = 0;
  for (let i = 0; i < cpu.pixels.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(cpu.pixels[i]! - webgpu.pixels[i]!));
    moved = Math.max(moved, Math.abs(cpu.pixels[i]! - cpu.initial[i]!));
  }
  process.stdout.write(`${JSON.stringify({ adapter: gpu.detail, software: gpu.software, maxAbsDiff, moved, webgpuMs: webgpu.ms, cpuMs: cpu.ms, values: cpu.pixels.length })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
