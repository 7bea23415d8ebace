/** DM as a registered method (src/core/methods/method.ts): one dmStep per iteration, nothing else to keep. */
import { DM_INFO } from '../../../shared/method-info/dm';
import type { MethodImpl } from '../method';
import { dmStep } from './dm';

export const dm: MethodImpl<'dm'> = {
  info: DM_INFO,
  create: ({ net, data, state, config, rng, augment, pick }) => {
    const n = config.realPerClass;
    return {
      ready: true,
      step: () => dmStep(net, data, state, config, rng, (c) => pick(c, n), augment),
      save: async () => ({}),
      load: () => {},
      dispose: () => {},
    };
  },
};
