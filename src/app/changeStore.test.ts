import { beforeEach, describe, expect, it } from 'vitest';
import { useChange } from './changeStore';
import { DEFAULT_RUN_CONFIG, type ImageGrid, type RunEvent } from '../shared/protocol';

const grid = (rows: number): ImageGrid => ({ rgba: new Uint8ClampedArray(4), width: 1, height: 1, rows, cols: 1, cellWidth: 1, cellHeight: 1 });
/** An images event for 2 classes whose images moved by `d` (src/core/change.test.ts tests the computation). */
function images(iteration: number, d: number): RunEvent {
  return { type: 'images', iteration, grid: grid(2), change: { grid: grid(2), scale: d, gain: 1 / d, movement: [d, d] } };
}

describe('useChange', () => {
  beforeEach(() => useChange.setState({ change: null, movement: [], forGrid: null, decodedTiles: null, view: 'images' }));

  it('a fresh run starts at zero movement, then adds a point per snapshot (the repeated last one replaced)', () => {
    const initial = grid(2);
    useChange.getState().onRunEvent({ type: 'started', config: DEFAULT_RUN_CONFIG, backend: 'wasm', initial, fromIteration: 0 });
    expect(useChange.getState().movement).toEqual([{ iteration: 0, perClass: [0, 0] }]);
    expect(useChange.getState().forGrid).toBe(initial);
    useChange.getState().onRunEvent(images(3, 0.5));
    const last = images(5, 1);
    useChange.getState().onRunEvent(images(5, 0.9));
    useChange.getState().onRunEvent(last);
    const s = useChange.getState();
    expect(s.movement.map((p) => p.iteration)).toEqual([0, 3, 5]);
    expect(s.movement.map((p) => p.perClass[0])).toEqual([0, 0.5, 1]);
    expect(s.changeIteration).toBe(5);
    expect(s.change?.scale).toBe(1);
    expect(s.forGrid).toBe(last.type === 'images' ? last.grid : null);
  });

  it('a resumed run has no point before its first snapshot; the view choice stays across runs', () => {
    useChange.getState().setView('change');
    useChange.getState().onRunEvent(images(2, 0.1));
    useChange.getState().onRunEvent({ type: 'started', config: DEFAULT_RUN_CONFIG, backend: 'wasm', initial: grid(2), fromIteration: 40 });
    expect(useChange.getState().movement).toEqual([]);
    expect(useChange.getState().change).toBeNull();
    expect(useChange.getState().view).toBe('change');
  });
});
