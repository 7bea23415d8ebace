/**
 * "What changed" view state, beside the run's store (kept out of store.ts): which view the synthetic-images card
 * shows, the latest change from the start the worker sent with an image snapshot, and per class how far the
 * images moved at each snapshot. Fed by the run's events (store.ts forwards every one).
 */
import { create } from 'zustand';
import type { ImageChange, ImageGrid, RunEvent } from '../shared/protocol';

export type SyntheticView = 'images' | 'change' | 'decoded';

/** Per class, how far the images had moved at one snapshot (mean RMS difference from the start, normalised units). */
export interface MovementPoint {
  iteration: number;
  perClass: number[];
}

interface ChangeState {
  view: SyntheticView;
  setView: (view: SyntheticView) => void;
  /** The latest change and the iteration of its snapshot. */
  change: ImageChange | null;
  changeIteration: number;
  /** Multi-formation's decoded tiles (protocol hook; nothing sends them yet). */
  decodedTiles: ImageGrid | null;
  /** One point per snapshot of this run (a fresh run starts with zeros at iteration 0). */
  movement: MovementPoint[];
  /**
   * The run store's grid these belong to: the page shows them only while that grid is the one shown (a new
   * dataset, an import or a loaded run replaces it, and so hides a finished run's change).
   */
  forGrid: ImageGrid | null;
  onRunEvent: (e: RunEvent) => void;
}

/** Points kept per run; beyond it every other point goes (the chart shows at most a few hundred anyway). */
const MAX_POINTS = 2000;

export const useChange = create<ChangeState>((set, get) => ({
  view: 'images',
  setView: (view) => set({ view }),
  change: null,
  changeIteration: 0,
  decodedTiles: null,
  movement: [],
  forGrid: null,
  onRunEvent(e) {
    if (e.type === 'started') {
      // At iteration 0 the set is its start: nothing moved. A resumed run's curve begins at its first snapshot.
      const movement = e.fromIteration === 0 ? [{ iteration: 0, perClass: new Array<number>(e.initial.rows).fill(0) }] : [];
      set({ change: null, changeIteration: e.fromIteration, decodedTiles: null, movement, forGrid: e.initial });
      return;
    }
    if (e.type !== 'images') return;
    if (!e.change) {
      set({ forGrid: e.grid, decodedTiles: e.decodedTiles ?? null });
      return;
    }
    let movement = get().movement;
    // The last snapshot can repeat the iteration of the one before (the end of the run): replace it.
    if (movement.at(-1)?.iteration === e.iteration) movement = movement.slice(0, -1);
    movement = movement.concat({ iteration: e.iteration, perClass: e.change.movement });
    if (movement.length > MAX_POINTS) movement = movement.filter((_, i) => i % 2 === 0 || i === movement.length - 1);
    set({ change: e.change, changeIteration: e.iteration, decodedTiles: e.decodedTiles ?? null, movement, forGrid: e.grid });
  },
}));
