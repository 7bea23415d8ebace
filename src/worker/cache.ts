import type { Cached, MethodCache } from '../core/methods/method';

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
