/** KRR as the UI, the schema, the links and the CLI see it (the engine: src/core/methods/krr/). */
import { convActivations, type NetSize } from '../net-size';
import type { MethodDescriptor } from './types';

/** KRR's random networks per iteration, whose features are concatenated into its kernel. */
export const KRR_NETWORKS = 4;

/**
 * KRR's peak bytes per conv-output float (one image's forward pass, `convActivations`): of one synthetic image
 * under one network while the images' gradient is computed, and of one real image while the real batch's
 * features are (one network at a time, no gradient). Measured with tf.profile's peakBytes on cpu at widths
 * 8-32, 2-5 images per class, 4-64 real per class (59-62 and 22); krr.test.ts re-measures both.
 */
export const KRR_BYTES_PER_SYNTHETIC_ACTIVATION = 62;
export const KRR_BYTES_PER_REAL_ACTIVATION = 22;

export interface KrrSize {
  networks: number;
  synthetic: number;
  real: number;
}

/** Estimated peak bytes of a KRR iteration: the larger of its two phases (the real features, then the gradient). */
export function estimateKrrBytes(net: NetSize, k: KrrSize): number {
  const act = convActivations(net);
  return Math.max(k.networks * k.synthetic * act * KRR_BYTES_PER_SYNTHETIC_ACTIVATION, k.real * act * KRR_BYTES_PER_REAL_ACTIVATION);
}

export const KRR_INFO = {
  id: 'krr',
  label: 'Kernel ridge regression (KRR)',
  hint: 'Fit real labels by kernel ridge regression from the synthetic set, with features of random networks.',
  iteration: 'one update of the synthetic images against a real batch of every class',
  lesson: {
    title: 'Kernel ridge regression (KRR)',
    idea: 'Make the synthetic set a good “answer key”: from it alone, a simple regression should predict the labels of real images.',
    steps: [
      ['Start', 'from a few real images per class.'],
      ['Describe', 'every image by the features of a few freshly randomised ConvNets: similar images get similar features (a kernel).'],
      ['Fit:', 'predict the labels of a real batch by kernel ridge regression from the synthetic images alone, and change the synthetic pixels so that the prediction error (the loss) falls. No network is trained.'],
    ],
  },
  // SGD on the pixels (RFAD itself uses AdaBelief at 1e-3). KRR's pixel gradients are small (each synthetic image's
  // share of the regression, about 1/n_syn): at lr 0.1 real-initialised MNIST images moved 0.3 % of their norm in
  // 100 iterations at IPC 1 and 0.02 % in 50 at IPC 10, so the set stayed its init. lr 10 moved them 20 % and 1.3 %,
  // and stays finite (lr 100 diverged at IPC 1). Links and records carry lrImages, so older ones keep 0.1.
  // The learned labels take their own rate (lrLabels; before it they shared the pixels'): at lr 10 they drift, and
  // training on them (soft labels) fell below the class labels. IPC 1, f=2, width 32, 200 iterations, 3 networks of
  // 100 epochs (bench/results/moonshot.md, "KRR's label learning rate"), soft / class labels: MNIST lrLabels 10
  // 81.3 / 85.9 %, 1 82.7 / 86.5, 0.1 85.7 / 87.0, 0.01 87.3 / 86.7; Fashion-MNIST 10 77.1 / 75.5, 0.1 77.6 / 76.3.
  // 0.1 was measured on both datasets, 0.01 on MNIST only (within one std of 0.1's class-label number there).
  defaults: { lrImages: 10, momentum: 0.9, lrLabels: 0.1 },
  toggles: [
    {
      key: 'learnLabels',
      kind: 'bool',
      values: [true, false],
      on: true,
      off: false,
      // A complete KRR config always says whether it learns labels (links and records from before do).
      carryOff: true,
      label: 'Learn labels',
      hint: 'Also learn each synthetic image’s regression target (from its class’s one-hot, at its own learning rate), as KIP and RFAD do; the .npz export carries them as soft_labels; Evaluate trains on the class labels unless its Labels setting says Soft.',
      testId: 'learn-labels-input',
      cli: {
        flag: 'learn-labels',
        values: ['on', 'off'],
        on: 'on',
        off: 'off',
        hint: "KRR: learn the synthetic set's regression targets with its pixels (default off; --npz then also writes them as soft_labels; evaluation uses the class labels unless --eval-labels soft)",
      },
      lesson: {
        title: 'Learned labels (KRR)',
        text: 'Each synthetic image’s regression target is learnt too, starting from its class’s one-hot vector, so one image can stand for a blend of classes (as KIP and RFAD do). Evaluation trains on the class labels unless you choose Labels: Soft in Evaluate (a stated variant: report the class-label number beside it).',
      },
      only: '--learn-labels on needs --method krr (only KRR learns labels)',
    },
  ],
  samplers: ['uniform', 'importance', 'dream'],
  inits: ['real', 'noise', 'kmeans', 'importance'],
  multiFormation: true,
  drawsNetworks: true,
  kernelInit: true,
  softLabels: (config) => config.learnLabels === true,
  estimateBytes: (config, net) =>
    estimateKrrBytes(net, { networks: KRR_NETWORKS, synthetic: net.classes * config.ipc, real: net.classes * config.realPerClass }),
  memoryAdvice: 'Lower the images per class, the real images per class or the network width.',
} as const satisfies MethodDescriptor<'krr'>;
