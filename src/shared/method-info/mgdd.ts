/**
 * MGDD (Liu & Wang, "MGDD: A Meta Generator for Fast Dataset Distillation", NeurIPS 2023) as the UI, the schema,
 * the links and the CLI see it (the engine: src/core/methods/mgdd/). The paper meta-trains a conditional generator
 * on a large dataset so that a few adaptation steps on a target dataset give distilled sets of any size; the
 * synthetic labels there come from a least-squares fit in a feature space. Here, at browser scale: the generator
 * is a three-layer residual ConvNet on one image and its class, meta-trained (first-order MAML) on random real
 * subsets of the run's own dataset at random IPCs, with kernel ridge regression on random-ConvNet features (KRR's
 * loss) as the task loss; the labels stay the hard class labels. Every default below is chosen for browser scale
 * (a meta-training of about a minute on wasm), not taken from the paper (README lists them).
 */
import { real, whole } from '../limit';
import type { MethodDescriptor } from './types';

export interface MgddSettings {
  /** Meta-training: tasks (outer updates); 0 = none (the generator adapts from its random start: an ablation). */
  metaTasks: number;
  /** Adaptation steps per task in meta-training (the inner loop). */
  innerSteps: number;
  /** Adam learning rates of the inner loop and of the meta (outer) update. */
  innerLr: number;
  metaLr: number;
  /** A meta-training task's IPC is drawn from 1..maxIpc. */
  maxIpc: number;
  /** Real images per class in each meta-training step's batch. */
  metaReal: number;
  /** The generator's hidden width (channels of its two hidden conv layers). */
  genWidth: number;
  /** Random ConvNets per step whose features make the task loss's kernel. */
  networks: number;
}

export const MGDD_SETTINGS_DEFAULTS: MgddSettings = {
  metaTasks: 40,
  innerSteps: 2,
  innerLr: 0.01,
  metaLr: 0.003,
  maxIpc: 10,
  metaReal: 16,
  genWidth: 16,
  networks: 1,
};

/** MGDD's settings of a run, defaults filled in. */
export function mgddSettings(config: { mgdd?: Partial<MgddSettings> }): MgddSettings {
  return { ...MGDD_SETTINGS_DEFAULTS, ...config.mgdd };
}

export const MGDD_INFO = {
  id: 'mgdd',
  label: 'Meta generator (MGDD)',
  hint: 'A small generator, meta-trained on many random subsets of the real data, turns real images into a distilled set in a few adaptation steps, at any IPC.',
  iteration: 'one Adam step of the generator’s weights on this run’s task (random-feature KRR of a real batch from the generated set); the set shown is the generator’s output',
  lesson: {
    title: 'MGDD: a meta-learned generator of distilled sets',
    idea: 'Instead of optimising every pixel of a new set from scratch for each size, learn once a network that turns real images into good synthetic ones, so that any set size takes seconds.',
    steps: [
      ['Generator:', 'a small ConvNet G takes an image and its class and returns the image plus a learned correction. Fed with a few real images per class (the initial set), it outputs the synthetic set.'],
      ['Task loss:', 'a set is good when, from it alone, kernel ridge regression on the features of a freshly randomised ConvNet predicts the labels of a real batch well (KRR’s loss).'],
      ['Meta-training:', 'before iteration 1 (the progress bar shows “meta-training generator”), G is trained over many tasks: a random IPC, random real images; a copy of G adapts in a few steps, and G moves so that the adapted copy does better. It is kept while the page is open: a run at another IPC skips it.'],
      ['Adaptation:', 'each iteration of the run is one more step of G on this run’s own initial set. The images you see are G’s output; a few iterations already give the set.'],
    ],
  },
  defaults: { lrImages: 0.01, momentum: 0.9 },
  settings: {
    group: 'mgdd',
    fields: [
      // In MGDD_SETTINGS_DEFAULTS' order (links and records list them so).
      {
        key: 'metaTasks',
        label: 'Meta-training tasks',
        hint: 'Tasks (random IPC, random real images) the generator is meta-trained on before the first iteration; 0 skips meta-training (an ablation).',
        default: MGDD_SETTINGS_DEFAULTS.metaTasks,
        limit: whole(0, 10_000),
        step: 10,
        testId: 'mgdd-meta-tasks-input',
        cli: { flag: 'meta-tasks', hint: 'MGDD: tasks of meta-training the generator (0: none)' },
      },
      {
        key: 'innerSteps',
        label: 'Adaptation steps per task',
        hint: 'Adam steps a copy of the generator takes on each meta-training task before the meta update.',
        default: MGDD_SETTINGS_DEFAULTS.innerSteps,
        limit: whole(1, 50),
        testId: 'mgdd-inner-steps-input',
        cli: { flag: 'inner-steps', hint: 'MGDD: adaptation steps per meta-training task' },
      },
      {
        key: 'innerLr',
        label: 'Inner learning rate',
        hint: 'Adam learning rate of the adaptation steps inside meta-training (the run’s own uses the learning rate above).',
        default: MGDD_SETTINGS_DEFAULTS.innerLr,
        limit: real(0, 10),
        step: 0.001,
        testId: 'mgdd-inner-lr-input',
        more: true,
        cli: { flag: 'inner-lr', hint: 'MGDD: Adam learning rate of the inner loop' },
      },
      {
        key: 'metaLr',
        label: 'Meta learning rate',
        hint: 'Adam learning rate of the generator’s meta update after each task.',
        default: MGDD_SETTINGS_DEFAULTS.metaLr,
        limit: real(0, 10),
        step: 0.001,
        testId: 'mgdd-meta-lr-input',
        more: true,
        cli: { flag: 'meta-lr', hint: 'MGDD: Adam learning rate of the meta update' },
      },
      {
        key: 'maxIpc',
        label: 'Largest task IPC',
        hint: 'Each meta-training task draws its images per class from 1 to this.',
        default: MGDD_SETTINGS_DEFAULTS.maxIpc,
        limit: whole(1, 100),
        testId: 'mgdd-max-ipc-input',
        more: true,
        cli: { flag: 'max-task-ipc', hint: 'MGDD: meta-training tasks draw their IPC from 1 to this' },
      },
      {
        key: 'metaReal',
        label: 'Real images per class (meta)',
        hint: 'Real images per class in each meta-training step’s batch (the run’s own steps use Real images per class).',
        default: MGDD_SETTINGS_DEFAULTS.metaReal,
        limit: whole(1, 1024),
        testId: 'mgdd-meta-real-input',
        more: true,
        cli: { flag: 'meta-real', hint: 'MGDD: real images per class in each meta-training step' },
      },
      {
        key: 'genWidth',
        label: 'Generator width',
        hint: 'Channels of the generator’s two hidden convolutions.',
        default: MGDD_SETTINGS_DEFAULTS.genWidth,
        limit: whole(1, 256),
        testId: 'mgdd-gen-width-input',
        more: true,
        cli: { flag: 'gen-width', hint: "MGDD: the generator's hidden width" },
      },
      {
        key: 'networks',
        label: 'Random networks per step',
        hint: 'Freshly randomised ConvNets whose features make the task loss’s kernel, per step.',
        default: MGDD_SETTINGS_DEFAULTS.networks,
        limit: whole(1, 16),
        testId: 'mgdd-networks-input',
        more: true,
      },
    ],
  },
  samplers: ['uniform'],
  inits: ['real', 'noise', 'kmeans', 'importance'],
  realPerClassHint: 'Real images per class in each adaptation step’s batch (meta-training uses its own, below).',
  multiFormation: false,
  describeReadouts: (r) => {
    if (r.metaTasks === undefined) return '';
    const cost = r.metaTasks === 0 ? 'not meta-trained (0 tasks)' : `meta-trained on ${r.metaTasks} tasks${r.metaSeconds !== undefined ? ` in ${r.metaSeconds.toFixed(1)} s` : ''}${r.metaReused ? ' (reused: kept from an earlier run or the checkpoint)' : ''}`;
    const loss =
      r.metaLossFirst !== undefined && r.metaLossLast !== undefined && r.metaTasks > 0
        ? `; task loss after adaptation ${r.metaLossFirst.toFixed(3)} in the first fifth of the tasks, ${r.metaLossLast.toFixed(3)} in the last`
        : '';
    return `Generator ${cost}${loss}.`;
  },
} as const satisfies MethodDescriptor<'mgdd'>;
