/** DM as the UI, the schema, the links and the CLI see it (the engine: src/core/methods/dm/). */
import type { MethodDescriptor } from './types';

export const DM_INFO = {
  id: 'dm',
  label: 'Distribution matching (DM)',
  hint: 'Match mean features of real and synthetic images under a fresh random network each iteration.',
  iteration: 'one update of the synthetic images',
  lesson: {
    title: 'Distribution matching (DM)',
    idea: 'Make the synthetic images of each class look, on average, like the real ones through the eyes of many random networks.',
    steps: [
      ['Start', 'from a few real images per class (shown as Initial).'],
      ['Embed', 'a batch of real images and the synthetic ones with a freshly randomised ConvNet, a new one every iteration; it is never trained.'],
      ['Match:', 'nudge the synthetic pixels so each class’s mean embedding moves towards the real one. The loss is the squared distance between them, summed over the classes.'],
    ],
  },
  defaults: { lrImages: 1, momentum: 0.5 },
  samplers: ['uniform', 'importance', 'dream'],
  inits: ['real', 'noise', 'kmeans', 'importance'],
  multiFormation: true,
  sequential: true,
} as const satisfies MethodDescriptor<'dm'>;
