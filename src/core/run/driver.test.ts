import { beforeAll, describe, expect, it } from 'vitest';
import { DistillRun } from './run';
import { RunControl, drive } from './driver';
import { DEFAULT_RUN_CONFIG, type RunConfig, type RunEvent } from '../../shared/protocol';
import { useBackend } from '../../testing/tf';
import { mnistSubset } from '../../testing/data';
import type { RealData } from '../data/batches';

const config: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 1, width: 4, realPerClass: 4, iterations: 5, seed: 3 };

describe('drive with evaluation points (real MNIST, cpu)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('cpu');
    data = mnistSubset(8);
  });

  it('waits for an evaluation at the start, every N iterations and at the end, after the losses up to there were sent', async () => {
    const run = new DistillRun(data, config);
    await run.prepare();
    const events: RunEvent[] = [];
    const seen: { iteration: number; lossesUpTo: number; imagesAt: number }[] = [];
    await drive(run, {
      control: new RunControl(),
      emit: (e) => void events.push(e),
      evaluateAt: {
        every: 2,
        evaluate: async (iteration) => {
          const losses = events.flatMap((e) => (e.type === 'progress' ? e.points.map((p) => p.iteration) : []));
          const images = events.filter((e) => e.type === 'images').at(-1);
          seen.push({ iteration, lossesUpTo: losses.at(-1) ?? 0, imagesAt: images?.type === 'images' ? images.iteration : -1 });
          expect(run.iteration).toBe(iteration);
          await new Promise((r) => setTimeout(r, 5));
        },
      },
    });
    run.dispose();
    expect(seen.map((s) => s.iteration)).toEqual([0, 2, 4, 5]);
    for (const s of seen) {
      expect(s.lossesUpTo).toBe(s.iteration);
      expect(s.imagesAt).toBe(s.iteration);
    }
  });

  it('a stop during an evaluation ends the run there, with no evaluation after it', async () => {
    const run = new DistillRun(data, config);
    await run.prepare();
    const control = new RunControl();
    const at: number[] = [];
    const reason = await drive(run, {
      control,
      emit: () => {},
      evaluateAt: {
        every: 1,
        evaluate: async (iteration) => {
          at.push(iteration);
          if (iteration === 2) control.stop();
        },
      },
    });
    const iteration = run.iteration;
    run.dispose();
    expect(reason).toBe('stopped');
    expect(at).toEqual([0, 1, 2]);
    expect(iteration).toBe(2);
  });
});
