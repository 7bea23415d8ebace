/** DC's loop schedule, shared by the method (core/methods/dc) and the page's ETA (shared/probe.ts). */
/** The paper's (outer_loop, inner_loop) for a given IPC: 1 -> (1, 1), 10 -> (10, 50), 50 -> (50, 10). */
export function dcLoops(ipc: number): { outer: number; inner: number } {
  if (ipc <= 1) return { outer: 1, inner: 1 };
  if (ipc <= 10) return { outer: 10, inner: 50 };
  if (ipc <= 20) return { outer: 20, inner: 25 };
  if (ipc <= 30) return { outer: 30, inner: 20 };
  if (ipc <= 40) return { outer: 40, inner: 15 };
  return { outer: 50, inner: 10 };
}
