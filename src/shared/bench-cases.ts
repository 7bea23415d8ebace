/** The page benchmark's default cases (no TensorFlow.js here: the page and bench/page-speed.ts import them). */
import type { RunConfig } from './protocol';

/** The cases `npm run bench:page` measures by default (MNIST; DM at widths 32 and 128, DC, KRR and MTT). */
export const PAGE_BENCH_CASES: readonly { name: string; config: Partial<RunConfig> }[] = [
  { name: 'dm-w32', config: { method: 'dm', width: 32 } },
  { name: 'dm-w128', config: { method: 'dm', width: 128 } },
  // IPC 1: one outer loop per iteration (at IPC 10 the paper's schedule is 10 outer and 50 inner loops).
  { name: 'dc', config: { method: 'dc', ipc: 1 } },
  { name: 'krr', config: { method: 'krr' } },
  // One short expert: the experts' training is preparation, not the iteration timed here.
  { name: 'mtt', config: { method: 'mtt', mtt: { syntheticSteps: 4, batchSyn: 10, expertEpochs: 1, maxStartEpoch: 1, experts: 1, expertImagesPerEpoch: 500 } } },
];
