import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log';

describe('EventLog', () => {
  it('keeps every event in order, with preparing messages and the done reason', () => {
    const log = new EventLog();
    log.record({ type: 'preparing', message: 'training expert 1 of 1: epoch 1 of 2', fraction: 0.1 }, 1);
    log.record({ type: 'progress', iteration: 1, points: [], numTensors: 3, numBytes: 10 }, 2);
    log.record({ type: 'done', iteration: 1, reason: 'completed' }, 3);
    expect(log.all()).toEqual([
      { type: 'preparing', message: 'training expert 1 of 1: epoch 1 of 2', fraction: 0.1, at: 1 },
      { type: 'progress', iteration: 1, at: 2 },
      { type: 'done', iteration: 1, message: 'completed', at: 3 },
    ]);
  });

  it('drops the oldest frequent entries first when full, never a preparing message', () => {
    const log = new EventLog();
    log.record({ type: 'preparing', message: 'first', fraction: 0 }, 0);
    for (let i = 1; i <= 5000; i++) log.record({ type: 'images', iteration: i, grid: { rows: 1, cols: 1, width: 1, height: 1, cellWidth: 1, cellHeight: 1, rgba: new Uint8ClampedArray(4) } }, i);
    const all = log.all();
    expect(all).toHaveLength(4000);
    expect(all[0]).toEqual({ type: 'preparing', message: 'first', fraction: 0, at: 0 });
    expect(all[1]!.iteration).toBe(1002);
    expect(all.at(-1)!.iteration).toBe(5000);
  });
});
