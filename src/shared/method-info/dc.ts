/** DC as the UI, the schema, the links and the CLI see it (the engine: src/core/methods/dc/). */
import type { MethodDescriptor } from './types';

export const DC_INFO = {
  id: 'dc',
  label: 'Gradient matching (DC)',
  hint: 'Match the training gradients real and synthetic images give a network that is itself being trained.',
  iteration: 'one outer iteration: a fresh network, several image updates with training in between',
  lesson: {
    title: 'Gradient matching (DC)',
    idea: 'Make the synthetic images teach a network the same lesson as the real ones: the same push on its weights.',
    steps: [
      ['Start', 'from a few real images per class and a fresh random ConvNet.'],
      ['Compare gradients:', 'for each class, the weight gradients a batch of real images gives the network, and those the synthetic images give it.'],
      ['Match:', 'change the synthetic pixels so their gradients point the same way as the real ones (the loss sums 1 − cosine over the layers), then train the network a little on the synthetic set and repeat. It differentiates a gradient, so it is slower than DM.'],
    ],
  },
  defaults: { lrImages: 0.1, momentum: 0.5 },
  toggles: [
    {
      key: 'dcNet',
      kind: 'enum',
      values: ['synthetic', 'real'],
      on: 'real',
      off: 'synthetic',
      label: 'Matching network trained on real images (IDC)',
      hint: 'The network whose gradients are matched trains on real batches after every image update and is kept across iterations, re-initialised every 100 (IDC); off, it is DC’s: fresh each iteration, trained on the synthetic set.',
      testId: 'dc-net-input',
      cli: {
        flag: 'dc-net',
        values: ['synthetic', 'real'],
        on: 'real',
        off: 'synthetic',
        hint: 'DC: what the matching network trains on between image updates: the synthetic set (default, DC) or real batches (IDC: 8 steps of 64 real images after every update, the network kept across iterations and re-initialised every 100)',
      },
      lesson: {
        title: 'Matching network trained on real images (IDC)',
        text: 'The network whose gradients are compared is not thrown away after each iteration and is not trained on the synthetic images: after every image update it takes a few training steps on real images of all classes, so the synthetic images are matched against a network that is learning the real task, as a network trained on them later will. Every 100 iterations it starts again from random weights.',
      },
      only: '--dc-net real needs --method dc (only gradient matching trains a matching network)',
    },
    {
      key: 'dcDistance',
      kind: 'enum',
      values: ['cos', 'l1'],
      on: 'l1',
      off: 'cos',
      label: 'IDC’s L1 gradient distance',
      hint: 'Compare gradients by the sum of absolute differences over the convolutions’ weights (IDC’s own distance) instead of DC’s 1 − cosine per output unit. Its sum is far larger: lower the image learning rate a lot (IDC’s own runs use 0.00001 at 1 per class on MNIST).',
      testId: 'dc-distance-input',
      cli: {
        flag: 'dc-distance',
        values: ['cos', 'l1'],
        on: 'l1',
        off: 'cos',
        hint: "DC: the gradient distance, DC's layer-wise 1 - cos (default) or IDC's L1 over the convolutions' weights (use a far smaller --lr-images with it: IDC's runs use 1e-4 x IPC/10, 1e-5 at IPC 1 on MNIST)",
      },
      lesson: {
        title: 'IDC’s L1 gradient distance',
        text: 'The real and synthetic gradients are compared weight by weight: the loss adds up how far apart every weight’s two gradients are, over the convolution layers only. DC’s cosine compares only their directions; the L1 distance also asks the sizes to agree.',
      },
      only: '--dc-distance l1 needs --method dc (only gradient matching compares gradients)',
    },
  ],
  samplers: ['uniform', 'importance', 'dream'],
  inits: ['real', 'noise', 'kmeans', 'importance'],
  multiFormation: true,
  drawsNetworks: true,
  sequential: true,
} as const satisfies MethodDescriptor<'dc'>;
