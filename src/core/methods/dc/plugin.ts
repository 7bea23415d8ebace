/** DC (and IDC's real-data matching network, `dcNet: 'real'`, and its L1 distance, `dcDistance: 'l1'`) as a registered method (src/core/methods/method.ts). */
import { DC_INFO } from '../../../shared/method-info/dc';
import type { Method, MethodImpl } from '../method';
import { DC_DEFAULTS, DcMethod } from './dc';

/** A DC run's method; `dc` is the DcMethod (IDC's network count is read by tests). */
export interface DcRunMethod extends Method {
  dc: DcMethod;
}

export const dc: MethodImpl<'dc'> = {
  info: DC_INFO,
  create: ({ net, data, state, config, rng, augment, pick, drawNet }): DcRunMethod => {
    const m = new DcMethod(net, data, state, { ...DC_DEFAULTS, ...config, netTraining: config.dcNet ?? 'synthetic', distance: config.dcDistance ?? 'cos' }, rng, augment, pick, drawNet);
    return {
      dc: m,
      ready: true,
      step: () => m.step(),
      // IDC's matching network is not checkpointed (as before the registry): a resumed run starts a fresh one.
      save: async () => ({}),
      load: () => {},
      dispose: () => m.dispose(),
    };
  },
};
