/**
 * SRe2L with DWA as the UI, the schema, the links and the CLI see it (the engine: src/core/methods/sre2l/).
 * Defaults and their sources (read in the authors' code, never copied):
 *   SRe2L (VILA-Lab/SRe2L, SRe2L/*small_dataset/recover_cifar.py, recover_cifar.sh, relabel_cifar.py):
 *     Adam lr 0.25, betas (0.5, 0.9), cosine learning rate, r_bn 0.01, first-BN multiplier 10, jitter 4,
 *     1000 iterations, pixels clipped to [0, 1]; relabel temperature 30 (with the student at T too; 4 here, see
 *     SRE2L_SETTINGS_DEFAULTS.temperature).
 *   DWA (AngusDujw/Diversity-Driven-Synthesis, scripts/run_cifar.sh, distillation/distillation_cifar.py,
 *     perterb.py, utils.py, pretrain/squeeze_cifar10.py): rho 15e-3 in K = 12 steps of rho/K along the normalised
 *     gradient (once per batch, before its first iteration), r_var 11 (weight of the variance term), batches of
 *     one image per class initialised from real images; squeeze: SGD lr 0.1, momentum 0.9, weight decay 5e-4,
 *     batch 128, cosine (200 epochs there; a few epochs on a subset here).
 */
import { real, whole } from '../limit';
import type { MethodDescriptor } from './types';

export interface Sre2lSettings {
  /** Squeeze: teacher epochs and real images per epoch. */
  teacherEpochs: number;
  teacherImages: number;
  /** Recover: r_bn, the BN-statistics loss weight; its first layer's multiplier; r_var, the variance term's weight. */
  bnWeight: number;
  firstBnMultiplier: number;
  varWeight: number;
  /** Random shift of up to this many pixels (per batch and iteration). */
  jitter: number;
  /** DWA: the adjustment's size ρ, its steps K, and real images per class in each batch's subset. */
  rho: number;
  dwaSteps: number;
  dwaSubset: number;
  /** Relabel: the softmax temperature of the teacher's soft labels. */
  temperature: number;
}

export const SRE2L_SETTINGS_DEFAULTS: Sre2lSettings = {
  teacherEpochs: 2,
  teacherImages: 10_000,
  bnWeight: 0.01,
  firstBnMultiplier: 10,
  varWeight: 11,
  jitter: 4,
  rho: 0.015,
  dwaSteps: 12,
  dwaSubset: 1,
  // The authors relabel at T = 30 with the student softened by T too (KL of both softmaxes at T); the evaluation
  // protocol here trains the student at T = 1 on the targets, where T = 30's near-uniform targets taught little
  // (MNIST IPC 1, 100 epochs: 30.8 % soft at T = 30 against 57.7 % at T = 4; README).
  temperature: 4,
};

/** SRe2L's settings of a run, defaults filled in. */
export function sre2lSettings(config: { sre2l?: Partial<Sre2lSettings> }): Sre2lSettings {
  return { ...SRE2L_SETTINGS_DEFAULTS, ...config.sre2l };
}

export const SRE2L_INFO = {
  id: 'sre2l',
  label: 'Decoupled synthesis (SRe2L + DWA)',
  hint: 'Train a teacher with batch norm, then make images whose statistics inside the teacher match the real data’s (DWA: a nudged teacher per batch, for diversity); soft labels from the teacher.',
  iteration: 'one Adam update of all images, in batches of one image per class (image k of every class), each batch against its own teacher (DWA-adjusted when on)',
  lesson: {
    title: 'Decoupled synthesis: squeeze, recover, relabel (SRe2L), with DWA',
    idea: 'Instead of matching real batches, ask a trained network what the real data looked like to it: its batch-norm layers remember the mean and variance of every feature over the real images.',
    steps: [
      ['Squeeze:', 'first train a ConvNet with batch normalisation on the real images (the progress bar shows “training teacher” before iteration 1). Its BN layers keep running means and variances of the real features.'],
      ['Recover:', 'change the synthetic pixels so that, at every BN layer, the mean and variance of the synthetic batch’s features match the teacher’s running ones, and so that the teacher puts each image in its class (cross-entropy). The loss is the sum of both.'],
      ['DWA:', 'with Directed weight adjustment on, each batch (image k of every class) gets its own teacher, nudged by a small step ρ in the direction that makes it worse on a few random real images, so different batches are pulled towards different features and the images of a class come out more varied. Diversity (below the images) measures that.'],
      ['Relabel:', 'the teacher’s softened outputs (softmax at temperature T) become each image’s soft label; Evaluate with Labels: Soft trains on them (a stated variant: report the class-label number beside it).'],
    ],
  },
  defaults: { lrImages: 0.25, momentum: 0.5 },
  settings: {
    group: 'sre2l',
    fields: [
      // In SRE2L_SETTINGS_DEFAULTS' order (links and records list them so).
      {
        key: 'teacherEpochs',
        label: 'Teacher epochs',
        hint: 'Epochs of training the batch-norm teacher on real images before the first iteration (kept while the page is open).',
        default: SRE2L_SETTINGS_DEFAULTS.teacherEpochs,
        limit: whole(1, 200),
        testId: 'sre2l-teacher-epochs-input',
        cli: { flag: 'teacher-epochs', hint: 'SRe2L: epochs of training the BN teacher (squeeze)' },
      },
      {
        key: 'teacherImages',
        label: 'Teacher images per epoch',
        hint: 'Real images the teacher sees per epoch; fewer make it quicker to train and weaker.',
        default: SRE2L_SETTINGS_DEFAULTS.teacherImages,
        limit: whole(100, 60_000),
        step: 1000,
        testId: 'sre2l-teacher-images-input',
        cli: { flag: 'teacher-images', hint: 'SRe2L: real images per teacher epoch' },
      },
      {
        key: 'bnWeight',
        label: 'BN statistics weight (r_bn)',
        hint: 'Weight of the batch-norm statistics term against the cross-entropy (SRe2L and DWA: 0.01).',
        default: SRE2L_SETTINGS_DEFAULTS.bnWeight,
        limit: real(0, 100),
        step: 0.01,
        testId: 'sre2l-bn-weight-input',
        more: true,
        cli: { flag: 'bn-weight', hint: 'SRe2L: weight r_bn of the BN statistics loss' },
      },
      {
        key: 'firstBnMultiplier',
        label: 'First BN layer multiplier',
        hint: 'The first BN layer’s statistics count this many times (the authors: 10).',
        default: SRE2L_SETTINGS_DEFAULTS.firstBnMultiplier,
        limit: real(0, 100),
        testId: 'sre2l-first-bn-input',
        more: true,
      },
      {
        key: 'varWeight',
        label: 'Variance term weight (r_var)',
        hint: 'Weight of the variance distance against the mean distance in each BN layer (DWA: 11; SRe2L: 1).',
        default: SRE2L_SETTINGS_DEFAULTS.varWeight,
        limit: real(0, 100),
        testId: 'sre2l-var-weight-input',
        more: true,
      },
      {
        key: 'jitter',
        label: 'Jitter (pixels)',
        hint: 'Each batch is shifted (wrapped around) by up to this many pixels before the teacher sees it, every iteration.',
        default: SRE2L_SETTINGS_DEFAULTS.jitter,
        limit: whole(0, 16),
        testId: 'sre2l-jitter-input',
        more: true,
      },
      {
        key: 'rho',
        label: 'DWA step ρ',
        hint: 'Size (L2 norm over all teacher weights) of the directed weight adjustment of each batch’s teacher (DWA: 0.015).',
        default: SRE2L_SETTINGS_DEFAULTS.rho,
        limit: real(0, 10),
        step: 0.005,
        testId: 'sre2l-rho-input',
        cli: { flag: 'rho', hint: 'DWA: size of the directed weight adjustment (with --dwa on)' },
      },
      {
        key: 'dwaSteps',
        label: 'DWA steps K',
        hint: 'The adjustment is K gradient-ascent steps of ρ/K each (DWA: 12).',
        default: SRE2L_SETTINGS_DEFAULTS.dwaSteps,
        limit: whole(1, 100),
        testId: 'sre2l-dwa-steps-input',
        more: true,
        cli: { flag: 'dwa-steps', hint: 'DWA: steps K of the adjustment' },
      },
      {
        key: 'dwaSubset',
        label: 'DWA real images per class',
        hint: 'Each batch’s adjustment increases the teacher’s loss on this many random real images per class (DWA: the batch’s own real initial images, one per class).',
        default: SRE2L_SETTINGS_DEFAULTS.dwaSubset,
        limit: whole(1, 256),
        testId: 'sre2l-dwa-subset-input',
        more: true,
        cli: { flag: 'dwa-subset', hint: 'DWA: random real images per class in each batch’s subset' },
      },
      {
        key: 'temperature',
        label: 'Soft-label temperature T',
        hint: 'The soft labels are softmax(teacher logits / T). The papers use 30 with the student softened by T too; the evaluation here trains the student at T = 1, for which 4 works better.',
        default: SRE2L_SETTINGS_DEFAULTS.temperature,
        limit: real(0.1, 100),
        testId: 'sre2l-temperature-input',
        cli: { flag: 'temperature', hint: "SRe2L: temperature of the teacher's soft labels" },
      },
    ],
  },
  toggles: [
    {
      key: 'dwa',
      kind: 'bool',
      values: [true, false],
      on: true,
      off: false,
      // A complete SRe2L config always says whether DWA was on (records compare the two).
      carryOff: true,
      label: 'Directed weight adjustment (DWA)',
      hint: 'Each batch of images is recovered against its own teacher, nudged by ρ towards a higher loss on a few random real images (DWA, NeurIPS 2024); off, plain SRe2L.',
      testId: 'dwa-input',
      cli: {
        flag: 'dwa',
        values: ['on', 'off'],
        on: 'on',
        off: 'off',
        hint: 'SRe2L: directed weight adjustment of the teacher per batch (DWA; default off: plain SRe2L)',
      },
      lesson: {
        title: 'Directed weight adjustment (DWA)',
        text: 'Before a batch is recovered its teacher takes a few small steps uphill on the loss of a handful of random real images (the batch-norm statistics stay). Each batch sees a slightly different teacher, so the images of one class stop converging to the same picture: compare Diversity with DWA on and off.',
      },
      only: '--dwa needs --method sre2l (only decoupled synthesis has a teacher to adjust)',
    },
  ],
  samplers: ['uniform'],
  inits: ['real', 'noise', 'kmeans', 'importance'],
  noSamplerHint: 'SRe2L draws no real batches while distilling (its teacher saw the real data).',
  realPerClassHint: 'Not used by SRe2L while distilling: its teacher saw the real data (see Teacher images per epoch).',
  multiFormation: false,
  softLabels: () => true,
  teacher: true,
  describeReadouts: (r, classes) => {
    const per = classes.map((name, c) => r[`diversity.${c}`]).filter((v): v is number => v !== undefined);
    if (r.diversity === undefined || per.length === 0) return '';
    return `Diversity (mean distance between a class’s images in the teacher’s features): ${r.diversity.toFixed(3)} on average; per class ${classes
      .slice(0, per.length)
      .map((name, c) => `${name} ${per[c]!.toFixed(2)}`)
      .join(', ')}. Compare a run with DWA off.`;
  },
} as const satisfies MethodDescriptor<'sre2l'>;
