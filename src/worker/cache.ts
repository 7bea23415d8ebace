import type { Cached, MethodCache } from '../core/methods/method';
import type { DistillRun } from '../core/run/run';
import type { RunControl } from '../core/run/driver';
import type { RunEvent } from '../shared/protocol';

/** A MethodCache of one entry (a method's preparation can be large): setting another key disposes the one held. */
export function lastEntryCache(): MethodCache {
  let kept: { key: string; value: Cached } | null = null;
  return {
    get: (key) => (kept?.key === key ? kept.value : undefined),
    set: (key, value) => {
      if (kept && kept.key !== key) kept.value.dispose();
      kept = { key, value };
    },
  };
}

/** The method's work before the first iteration (filling `cache`), its progress sent at most every 200 ms; a stop ends it. */
export async function prepareRun(run: DistillRun, ctl: RunControl, emit: (e: RunEvent) => void, cache: MethodCache): Promise<void> {
  let lastPrep = 0;
  await run.prepare(cache, async (message, fraction) => {
    if (ctl.isStopped) throw new Error('Stopped while preparing.');
    const now = performance.now();
    if (now - lastPrep > 200 || fraction === 1) {
      lastPrep = now;
      emit({ type: 'preparing', message, fraction });
    }
    await new Promise((r) => setTimeout(r, 0));
  });
}
