/** What the distillation benches share: the wasm backend as the CLI starts it, and a run's set on its learned labels. */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { labelDistributions } from '../../src/core/eval/soft-labels';
import { median } from '../../src/core/run/record';
import { repeatRows } from '../../src/core/methods/idc/multiformation';
import type { DistillRun } from '../../src/core/run/run';
import { defaultWasmThreads, initWasmWithThreads } from '../../src/node/wasm-threads';

/** wasm with one thread per core (as the CLI); returns the backend as the result files name it. */
export async function benchBackend(): Promise<string> {
  await initWasmWithThreads(defaultWasmThreads());
  await tf.setBackend('wasm');
  await tf.ready();
  return `${tf.getBackend()} (${getThreadsCount()} threads)`;
}

/**
 * The run's decoded images with their learned labels as target distributions (each decoded image takes its stored
 * image's row), for evaluation on soft labels; null when the run learns none.
 */
export async function softLabelSet(run: DistillRun, pixels: Float32Array, classes: number): Promise<{ pixels: Float32Array; soft: Float32Array } | null> {
  const learned = await run.learnedLabels();
  if (!learned) return null;
  const n = learned.values.length / classes;
  return { pixels: run.decoded(pixels), soft: labelDistributions(repeatRows(learned.values, n, run.factor), classes) };
}

/**
 * A progress line on stderr at most once a minute while a run steps ("it 120/1000, 1970 ms/it, ~29 min left"):
 * a DC row at IPC 10 or a width-128 moonshot row runs for an hour between its results.
 */
export function progressLine(log: (s: string) => void, label: string, total: number, everyMs = 60_000): (iteration: number, msPerStep: readonly number[]) => void {
  let last = performance.now();
  return (iteration, msPerStep) => {
    const now = performance.now();
    if (now - last < everyMs || iteration >= total) return;
    last = now;
    // The median of the steps so far, computed only when a line is printed.
    const msPerIteration = median([...msPerStep]);
    const left = ((total - iteration) * msPerIteration) / 60_000;
    log(`${label}: it ${iteration}/${total}, ${Math.round(msPerIteration)} ms/it, ~${left < 1 ? '<1' : Math.round(left)} min left`);
  };
}
