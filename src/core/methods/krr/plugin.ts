/** KRR (with optional learned labels) as a registered method (src/core/methods/method.ts). */
import { KRR_INFO } from '../../../shared/method-info/krr';
import type { MethodImpl } from '../method';
import { createLearnedLabels, disposeLearnedLabels, krrStep, KRR_DEFAULTS, type LearnedLabels } from './krr';

export const krr: MethodImpl<'krr'> = {
  info: KRR_INFO,
  create: ({ net, data, state, config, rng, augment, pick, drawNet }) => {
    // lrLabels as the config says: absent (a run from before it) means the images' rate, not KRR_INFO's default.
    const cfg = { ...KRR_DEFAULTS, ...config, lrLabels: config.lrLabels };
    let labels: LearnedLabels | null = config.learnLabels ? createLearnedLabels(data.numClasses, config.ipc) : null;
    const learned = async () => {
      if (!labels) return null;
      const [values, velocity] = await Promise.all([labels.values.data(), labels.velocity.data()]);
      return { values: values as Float32Array, velocity: velocity as Float32Array };
    };
    return {
      ready: true,
      step: () => krrStep(net, data, state, cfg, rng, augment, pick, labels ?? undefined, drawNet),
      save: async () => (labels ? { labels: (await learned())! } : {}),
      load: (s) => {
        if (!labels) return;
        if (!s.labels || s.labels.values.length !== labels.values.size) throw new Error('The checkpoint holds no learned labels for this run.');
        disposeLearnedLabels(labels);
        labels = createLearnedLabels(data.numClasses, config.ipc, s.labels.values, s.labels.velocity);
      },
      learnedLabels: learned,
      dispose: () => {
        if (labels) disposeLearnedLabels(labels);
        labels = null;
      },
    };
  },
};
