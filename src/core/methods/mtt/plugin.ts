/**
 * MTT as a registered method (src/core/methods/method.ts): prepare() trains the expert trajectories (or takes
 * them from the cache), then each iteration is MttMethod.step(); its checkpoint field is the learnable step size.
 */
import { MTT_INFO, mttSettings } from '../../../shared/method-info/mtt';
import type { RunCheckpoint, RunConfig } from '../../../shared/protocol';
import { Rng } from '../../rng';
import { type Method, type MethodImpl, datasetKey } from '../method';
import { disposeTrajectories, expertKey, MttMethod, MTT_DEFAULTS, trainExperts, type MttConfig, type Trajectories } from './mtt';

/** MTT's full configuration for a run. */
export function mttConfig(config: RunConfig): MttConfig {
  return { ...MTT_DEFAULTS, ...mttSettings(config), ipc: config.ipc, lrImages: config.lrImages, momentum: config.momentum };
}

/** Trajectories as a cache entry (the cache disposes what it evicts). */
interface CachedExperts {
  trajectories: Trajectories;
  dispose(): void;
}

export const mtt: MethodImpl<'mtt'> = {
  info: MTT_INFO,
  create: ({ net, data, state, config, rng, augment, dsa }): Method => {
    let method: MttMethod | null = null;
    let owned: Trajectories | null = null;
    let pending: RunCheckpoint['mtt'] | null = null;
    return {
      get ready() {
        return method !== null;
      },
      async prepare(cache, onProgress) {
        if (method) return;
        const cfg = mttConfig(config);
        const key = expertKey(datasetKey(config), net, cfg, config.seed, config.dsa);
        let trajectories = (cache?.get(key) as CachedExperts | undefined)?.trajectories;
        if (!trajectories) {
          // Experts have their own random stream, so cached and fresh experts leave the run's stream alike.
          const expertRng = new Rng(config.seed ^ 0x5eed);
          const epochs = cfg.maxStartEpoch + cfg.expertEpochs;
          // Their DSA draws from the experts' stream too (not the run's).
          const expertAugment = config.dsa ? dsa(expertRng) : undefined;
          trajectories = await trainExperts(net, data, cfg, expertRng, key, expertAugment, (p) =>
            onProgress?.(`training expert ${p.expert + 1} of ${p.experts}: epoch ${p.epoch} of ${p.epochs}`, (p.expert * epochs + p.epoch) / (p.experts * epochs)),
          );
          const t = trajectories;
          const entry: CachedExperts = { trajectories: t, dispose: () => disposeTrajectories(t) };
          cache?.set(key, entry);
        }
        method = new MttMethod(net, trajectories, state, cfg, rng, augment);
        if (pending) method.load(pending);
        pending = null;
        owned = cache ? null : trajectories;
      },
      step: () => {
        if (!method) throw new Error('Call prepare() before stepping this run.');
        return method.step();
      },
      save: async () => (method ? { mtt: await method.save() } : {}),
      load: (s) => {
        pending = s.mtt ?? null;
      },
      readouts: async (): Promise<Record<string, number>> => (method ? { stepSize: (await method.save()).stepSize } : {}),
      dispose: () => {
        method?.dispose();
        method = null;
        if (owned) disposeTrajectories(owned);
        owned = null;
      },
    };
  },
};
