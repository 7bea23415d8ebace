/**
 * DM as a registered method (src/core/methods/method.ts): one dmStep per iteration. With `dmNet: 'pool'` (IDM,
 * ./pool.ts) the embedding network is drawn from a pool trained on real data, which the method keeps, trains
 * after each image update and saves in its checkpoint; otherwise DM keeps nothing beyond the images.
 */
import * as tf from '@tensorflow/tfjs';
import { DM_INFO, dmPoolSettings, usesPool } from '../../../shared/method-info/dm';
import type { Method, MethodImpl } from '../method';
import { dmStep } from './dm';
import { NetworkPool } from './pool';
import { disposeConvNet } from '../../nn/convnet';

/** A DM run's method; `pool` is IDM's network pool (null without it; tests read it). */
export interface DmRunMethod extends Method {
  pool: NetworkPool | null;
}

export const dm: MethodImpl<'dm'> = {
  info: DM_INFO,
  create: ({ net, data, state, config, rng, augment, pick, iteration, drawNet }): DmRunMethod => {
    const n = config.realPerClass;
    const pool = usesPool(config) ? new NetworkPool(net, data, dmPoolSettings(config), rng, drawNet) : null;
    return {
      ready: true,
      step: () => {
        if (!pool) {
          // DM: a fresh random network each iteration (drawn where the config says).
          const params = drawNet(rng.nextSeed());
          try {
            return dmStep(net, data, state, config, rng, (c) => pick(c, n), augment, { params });
          } finally {
            disposeConvNet(params);
          }
        }
        pool.advance(iteration());
        const drawn = pool.draw();
        try {
          const loss = dmStep(net, data, state, config, rng, (c) => pick(c, n), augment, drawn);
          pool.train();
          return loss;
        } finally {
          tf.dispose(drawn.ceWeight);
        }
      },
      save: async () => {
        const s = await pool?.save();
        return s ? { dmPool: s } : {};
      },
      load: (s) => {
        if (pool && s.dmPool) pool.load(s.dmPool);
      },
      ...(pool ? { readouts: () => pool.readouts() } : {}),
      pool,
      dispose: () => pool?.dispose(),
    };
  },
};
