/** MTT as the UI, the schema, the links and the CLI see it (the engine: src/core/methods/mtt/). */
import { whole } from '../limit';
import { convActivations, convParameters, type NetSize } from '../net-size';
import type { MethodDescriptor } from './types';

/** MTT's own settings (small N: every student step's graph is kept until the images' gradient). */
export interface MttSettings {
  /** N: differentiable student steps per iteration. */
  syntheticSteps: number;
  /** Synthetic images per student step, drawn at random (0 = all). */
  batchSyn: number;
  /** M: expert epochs the N steps must match; start epochs are drawn from 0..maxStartEpoch. */
  expertEpochs: number;
  maxStartEpoch: number;
  experts: number;
  /** Real images per expert epoch (a subset keeps expert training short in a browser). */
  expertImagesPerEpoch: number;
}

export const MTT_SETTINGS_DEFAULTS: MttSettings = {
  syntheticSteps: 4,
  batchSyn: 10,
  expertEpochs: 2,
  maxStartEpoch: 3,
  experts: 2,
  expertImagesPerEpoch: 2000,
};

export const MTT_LIMITS = {
  syntheticSteps: whole(1, 100),
  batchSyn: whole(0, 10_000),
  expertEpochs: whole(1, 50),
  maxStartEpoch: whole(0, 50),
  experts: whole(1, 20),
  expertImagesPerEpoch: whole(10, 60_000),
} as const satisfies Record<keyof MttSettings, unknown>;

/** MTT's settings of a run, defaults filled in. */
export function mttSettings(config: { mtt?: Partial<MttSettings> }): MttSettings {
  return { ...MTT_SETTINGS_DEFAULTS, ...config.mtt };
}

/**
 * Bytes the backend holds at the peak of one MTT iteration per conv-output float of one student step:
 * measured with tf.profile's peakBytes on cpu at widths 8-32, N 2-4, 10-20 images (157-164; the layers keep
 * every intermediate of the forward pass, its gradient and the outer gradient's). The test in
 * mtt.test.ts re-measures it.
 */
export const MTT_BYTES_PER_ACTIVATION = 4 * 165;

export interface MttSize {
  syntheticSteps: number;
  /** Images per student step. */
  batch: number;
  experts: number;
  /** Snapshots kept per expert (epochs + 1). */
  snapshots: number;
}

/** Estimated peak bytes of an MTT run: the student steps' graphs plus the stored expert trajectories. */
export function estimateMttBytes(net: NetSize, m: MttSize): number {
  const steps = m.syntheticSteps * m.batch * convActivations(net) * MTT_BYTES_PER_ACTIVATION;
  const trajectories = m.experts * m.snapshots * convParameters(net) * 4;
  return steps + trajectories;
}

export const MTT_INFO = {
  id: 'mtt',
  label: 'Trajectory matching (MTT)',
  hint: 'Train expert networks on real data, then make a few steps on the synthetic set land where the experts went.',
  iteration: 'N differentiable training steps from an expert checkpoint, then one update of the images and the step size',
  lesson: {
    title: 'Trajectory matching (MTT)',
    idea: 'Make a few training steps on the synthetic images carry a network as far as several epochs on the real ones did.',
    steps: [
      ['Experts:', 'first train a few networks on the real images, saving their weights after every epoch (the progress bar shows this before iteration 1).'],
      ['Student:', 'from an expert’s weights at some epoch, take N training steps on the synthetic images alone, keeping every step differentiable.'],
      ['Match:', 'change the synthetic pixels (and the student’s step size) so the student lands where the expert was M epochs later. The loss is that distance relative to how far the expert moved.'],
    ],
  },
  defaults: { lrImages: 100, momentum: 0.5 },
  settings: {
    group: 'mtt',
    fields: [
      // In MTT_SETTINGS_DEFAULTS' order (links and records list them so).
      {
        key: 'syntheticSteps',
        label: 'Student steps (N)',
        hint: 'Differentiable training steps on the synthetic images per iteration; memory grows with N.',
        default: MTT_SETTINGS_DEFAULTS.syntheticSteps,
        limit: MTT_LIMITS.syntheticSteps,
        testId: 'mtt-steps-input',
        cli: { flag: 'syn-steps', hint: 'MTT: differentiable student steps per iteration', max: 1000 },
      },
      {
        key: 'batchSyn',
        label: 'Synthetic images per student step',
        hint: 'Drawn at random from the synthetic set for each student step (0 = all of them).',
        default: MTT_SETTINGS_DEFAULTS.batchSyn,
        limit: MTT_LIMITS.batchSyn,
        testId: 'mtt-batch-syn-input',
        more: true,
      },
      {
        key: 'expertEpochs',
        label: 'Expert epochs to match (M)',
        hint: 'The N student steps must land where the expert was M epochs after the start epoch.',
        default: MTT_SETTINGS_DEFAULTS.expertEpochs,
        limit: MTT_LIMITS.expertEpochs,
        testId: 'mtt-expert-epochs-input',
        more: true,
      },
      {
        key: 'maxStartEpoch',
        label: 'Latest start epoch',
        hint: 'Each iteration starts the student at an expert epoch drawn from 0 to this.',
        default: MTT_SETTINGS_DEFAULTS.maxStartEpoch,
        limit: MTT_LIMITS.maxStartEpoch,
        testId: 'mtt-max-start-input',
        more: true,
      },
      {
        key: 'experts',
        label: 'Experts',
        hint: (m) => `Networks trained on real data first (${m.maxStartEpoch! + m.expertEpochs!} epochs each), kept while the page is open.`,
        default: MTT_SETTINGS_DEFAULTS.experts,
        limit: MTT_LIMITS.experts,
        testId: 'mtt-experts-input',
        cli: { flag: 'experts', hint: 'MTT: expert networks trained first', max: 100 },
      },
      {
        key: 'expertImagesPerEpoch',
        label: 'Expert images per epoch',
        hint: 'Real images each expert sees per epoch; fewer make the experts quicker to train and weaker.',
        default: MTT_SETTINGS_DEFAULTS.expertImagesPerEpoch,
        limit: MTT_LIMITS.expertImagesPerEpoch,
        step: 500,
        testId: 'mtt-expert-images-input',
        cli: { flag: 'expert-images', hint: 'MTT: real images per expert epoch', min: 1, max: 10_000_000 },
      },
    ],
  },
  samplers: ['uniform'],
  inits: ['real', 'noise', 'kmeans', 'importance'],
  noSamplerHint: 'MTT draws no real batches while distilling (its experts saw the real data).',
  realPerClassHint: 'Not used by MTT while distilling: its experts saw the real data (see Expert images per epoch).',
  multiFormation: false,
  // SeqMatch's subsets: the experts are trained once; each stage learns its own step size.
  sequential: true,
  estimateBytes: (config, net) => {
    const m = mttSettings(config);
    const n = net.classes * config.ipc;
    return estimateMttBytes(net, {
      syntheticSteps: m.syntheticSteps,
      batch: m.batchSyn > 0 ? Math.min(m.batchSyn, n) : n,
      experts: m.experts,
      snapshots: m.maxStartEpoch + m.expertEpochs + 1,
    });
  },
  memoryAdvice: 'Lower the student steps (N), the synthetic images per step, the images per class or the network width.',
} as const satisfies MethodDescriptor<'mtt'>;
