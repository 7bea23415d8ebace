/** How the run's events cross to the page. */
import * as Comlink from 'comlink';
import type { RunEvent } from '../shared/protocol';

/** Every event carrying images transfers their buffers instead of copying them. */
export function transferable(e: RunEvent): RunEvent {
  if (e.type === 'images') {
    const buffers = [e.grid.rgba.buffer, e.change?.grid.rgba.buffer, e.decodedTiles?.rgba.buffer].filter((b): b is ArrayBuffer => b !== undefined);
    return Comlink.transfer(e, buffers);
  }
  if (e.type === 'started') return Comlink.transfer(e, [e.initial.rgba.buffer]);
  if (e.type === 'selection') {
    const buffers = [e.view.importance?.grid.rgba.buffer, e.view.dream?.grid.rgba.buffer].filter((b): b is ArrayBuffer => b !== undefined);
    return Comlink.transfer(e, buffers);
  }
  return e;
}
