import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { CHANGE_NEGATIVE, CHANGE_POSITIVE, changeFromStart, movementPerClass } from './change';
import { DistillRun } from './run/run';
import { RunControl, drive } from './run/driver';
import { DEFAULT_RUN_CONFIG, type ImageChange, type RunConfig, type RunEvent } from '../shared/protocol';
import { useBackend } from '../testing/tf';
import { mnistSubset } from '../testing/data';
import type { RealData } from './data/batches';

/** RGB of pixel (x, y) of a grid. */
function rgbAt(change: ImageChange, x: number, y: number): number[] {
  const o = (y * change.grid.width + x) * 4;
  return Array.from(change.grid.rgba.slice(o, o + 3));
}

describe('changeFromStart (hand-made sets)', () => {
  // 2 classes × 1 image of 1×2 pixels, 1 channel.
  const shape = [1, 2, 1] as const;

  it('no change: scale and gain 0, an all-white grid, no movement', () => {
    const x = new Float32Array([0.5, -1, 2, 3]);
    const c = changeFromStart(x, x.slice(), shape, 2, 1, [0.5]);
    expect(c.scale).toBe(0);
    expect(c.gain).toBe(0);
    expect(c.movement).toEqual([0, 0]);
    expect(c.grid.rgba.every((v) => v === 255)).toBe(true);
  });

  it('the largest |difference| fills the range: full red for +scale, full blue for −scale, lighter in between', () => {
    const initial = new Float32Array([0, 0, 0, 0]);
    const current = new Float32Array([0.4, -0.2, 0, -0.4]);
    const c = changeFromStart(current, initial, shape, 2, 1, [0.5]);
    expect(c.scale).toBeCloseTo(0.4, 6);
    expect(c.gain).toBeCloseTo(1 / (0.4 * 0.5), 5);
    // Class 0 on row 0, class 1 on row 2 (a 1-pixel gap between rows).
    expect(rgbAt(c, 0, 0)).toEqual([...CHANGE_POSITIVE]);
    expect(rgbAt(c, 1, 2)).toEqual([...CHANGE_NEGATIVE]);
    expect(rgbAt(c, 0, 2)).toEqual([255, 255, 255]);
    const half = rgbAt(c, 1, 0);
    expect(half[2]).toBeGreaterThan(CHANGE_NEGATIVE[2]);
    expect(half[0]).toBeLessThan(255);
    expect(half[0]).toBeGreaterThan(CHANGE_NEGATIVE[0]);
    // RMS per image: class 0 sqrt((0.16 + 0.04) / 2), class 1 sqrt(0.16 / 2).
    expect(c.movement[0]).toBeCloseTo(Math.sqrt(0.1), 6);
    expect(c.movement[1]).toBeCloseTo(Math.sqrt(0.08), 6);
  });

  it('colour images: the map shows the channels\' mean, the movement counts every channel, the gain the mean std', () => {
    const c = changeFromStart(new Float32Array([0.3, -0.3, 0.6]), new Float32Array(3), [1, 1, 3], 1, 1, [0.2, 0.4, 0.6]);
    expect(c.scale).toBeCloseTo(0.2, 6);
    expect(c.gain).toBeCloseTo(1 / (0.2 * 0.4), 4);
    expect(c.movement[0]).toBeCloseTo(Math.sqrt(0.18), 6);
    expect(rgbAt(c, 0, 0)).toEqual([...CHANGE_POSITIVE]);
  });

  it('averages a class over its images', () => {
    // 1 class × 2 images of 1 value: one moved by 1, one not.
    expect(movementPerClass([1, 0], [0, 0], 1, 1, 2)).toEqual([0.5]);
    expect(() => movementPerClass([1, 0], [0], 1, 1, 2)).toThrow();
  });
});

describe('change from the start on a real DM run (MNIST, wasm)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(16);
  });

  it('is zero at iteration 0, positive for every class after some iterations, and grows; no extra tensors', async () => {
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 2, width: 4, realPerClass: 8, iterations: 8, dsa: false, seed: 5 };
    const run = new DistillRun(data, config);
    await run.prepare();
    const atStart = run.changeOf(await run.pixels());
    expect(atStart.movement).toEqual(new Array(10).fill(0));
    expect(atStart.scale).toBe(0);

    const events: RunEvent[] = [];
    const before = tf.memory().numTensors;
    // A snapshot after every iteration.
    await drive(run, { control: new RunControl(), emit: (e) => void events.push(e), imagesMs: 0 });
    const after = tf.memory().numTensors;
    const snaps = events.flatMap((e) => (e.type === 'images' && e.change ? [{ iteration: e.iteration, change: e.change }] : []));
    expect(snaps.length).toBeGreaterThanOrEqual(6);
    expect(snaps.at(-1)!.iteration).toBe(8);

    const mean = (m: number[]) => m.reduce((a, b) => a + b, 0) / m.length;
    // Seeded: this run's images move further from their start at every snapshot (0.012 → 0.058 mean RMS).
    for (let i = 1; i < snaps.length; i++) expect(mean(snaps[i]!.change.movement)).toBeGreaterThanOrEqual(mean(snaps[i - 1]!.change.movement));
    const first = snaps[0]!.change;
    const last = snaps.at(-1)!.change;
    for (const m of last.movement) expect(m).toBeGreaterThan(0);
    expect(mean(last.movement)).toBeGreaterThan(1.5 * mean(first.movement));
    expect(mean(first.movement)).toBeGreaterThan(0);

    // The scale is the largest |current − initial| (1 channel), from the run's own set.
    const now = await run.pixels();
    let max = 0;
    for (let i = 0; i < now.length; i++) max = Math.max(max, Math.abs(now[i]! - run.initial.pixels[i]!));
    expect(last.scale).toBeCloseTo(max, 5);
    expect(last.gain).toBeCloseTo(1 / (max * data.std[0]!), 3);
    expect(last.grid.width).toBe(snaps.at(-1)!.change.grid.cols * 29 - 1);
    run.dispose();
    expect(after).toBe(before);
  }, 20_000);
});
