/**
 * DM as the UI, the schema, the links and the CLI see it (the engine: src/core/methods/dm/). Its option
 * `dmNet: 'pool'` is IDM (Zhao et al., "Improved Distribution Matching for Dataset Condensation", CVPR 2023):
 * the embedding networks come from a queue of networks trained on real data, and a cross-entropy term on the
 * synthetic images under the drawn network is added (src/core/methods/dm/pool.ts).
 */
import { real, whole } from '../limit';
import type { RunConfig } from '../protocol';
import { convParameters, type NetSize } from '../net-size';
import type { MethodDescriptor } from './types';

/**
 * IDM's network pool (the reference code's names in brackets; its values for IPC 1 in the comments). The defaults
 * are a browser-scale budget, not the reference's: its training (2 networks × 10 steps × 256 real images per
 * iteration) made one iteration about 50× DM's here, so each iteration trains 2 networks 1 step of 64 images, and a
 * new network joins every 20 iterations instead of 5, so that each network still trains trainNets·steps·interval =
 * 40 steps over its life (the reference: 100 steps of 256). The pool's size changes only how far apart in age its
 * networks are (10 here, 100 there); the CE weight is the reference's.
 */
export interface DmPoolSettings {
  /** Networks the pool holds at most [net_num]; the oldest leaves when a new one joins a full pool. Reference: 100. */
  size: number;
  /** A fresh random network joins every this many iterations [net_generate_interval]. Reference at IPC 1: 5. */
  interval: number;
  /** Pool networks trained on real data per iteration [fetch_net_num]. Reference: 2. */
  trainNets: number;
  /** SGD steps each of them takes [model_train_steps]. Reference: 10. */
  steps: number;
  /** Real images (all classes) per SGD step [trained_bs]. Reference: 256. */
  batch: number;
  /**
   * λ of the class-aware regulariser λ·a·CE(synthetic) [ce_weight], where a is the drawn network's accuracy (0–1) on
   * the real batches it last trained on. The reference multiplies its 0.5 by an accuracy in percent: 50 here is its 0.5.
   */
  ceWeight: number;
}

export const DM_POOL_DEFAULTS: DmPoolSettings = { size: 10, interval: 20, trainNets: 2, steps: 1, batch: 64, ceWeight: 50 };

/** The pool's settings of a run, defaults filled in. */
export function dmPoolSettings(config: { dmPool?: Partial<DmPoolSettings> }): DmPoolSettings {
  return { ...DM_POOL_DEFAULTS, ...config.dmPool };
}

/** Whether a DM run draws its networks from IDM's pool. */
export const usesPool = (config: Pick<RunConfig, 'dmNet'>): boolean => config.dmNet === 'pool';

/**
 * What IDM's pool holds besides what plain DM needs (one class's graph at a time, not estimated): every network's
 * weights and its SGD velocity, float32. 26 MB at the defaults (10 networks) at width 128 on MNIST; 200 networks
 * there take over 500 MB.
 */
export function estimateDmPoolBytes(net: NetSize, pool: Pick<DmPoolSettings, 'size'>): number {
  return pool.size * convParameters(net) * 4 * 2;
}

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
      ['Embed', 'a batch of real images and the synthetic ones with a freshly randomised ConvNet, a new one every iteration; it is never trained (with the IDM pool on, below, the network is drawn from a pool that is).'],
      ['Match:', 'nudge the synthetic pixels so each class’s mean embedding moves towards the real one. The loss is the squared distance between them, summed over the classes.'],
    ],
  },
  defaults: { lrImages: 1, momentum: 0.5 },
  settings: {
    group: 'dmPool',
    when: usesPool,
    fields: [
      // In DM_POOL_DEFAULTS' order (links and records list them so).
      {
        key: 'size',
        label: 'Pool size (IDM)',
        hint: 'Networks the pool holds at most; when a new one joins a full pool the oldest leaves. A network lives size × interval iterations (IDM: 100).',
        default: DM_POOL_DEFAULTS.size,
        limit: whole(1, 200),
        testId: 'dm-pool-size-input',
        cli: { flag: 'pool-size', hint: 'DM with --dm-net pool: networks the pool holds at most (IDM: 100)' },
      },
      {
        key: 'interval',
        label: 'New network every (iterations)',
        hint: 'A freshly randomised network joins the pool every this many iterations (IDM at 1 image per class: 5).',
        default: DM_POOL_DEFAULTS.interval,
        limit: whole(1, 10_000),
        testId: 'dm-pool-interval-input',
        cli: { flag: 'pool-interval', hint: 'DM with --dm-net pool: a new random network joins every N iterations (IDM: 5)' },
      },
      {
        key: 'trainNets',
        label: 'Networks trained per iteration',
        hint: 'Pool networks, drawn at random, that train on real images after each image update (IDM: 2).',
        default: DM_POOL_DEFAULTS.trainNets,
        limit: whole(0, 20),
        testId: 'dm-pool-train-nets-input',
        more: true,
        cli: { flag: 'pool-train-nets', hint: 'DM with --dm-net pool: pool networks trained on real data per iteration (IDM: 2)' },
      },
      {
        key: 'steps',
        label: 'Real SGD steps per trained network',
        hint: 'SGD steps (lr 0.01, momentum 0.9, weight decay 5e-4) each trained network takes per iteration (IDM: 10).',
        default: DM_POOL_DEFAULTS.steps,
        limit: whole(0, 100),
        testId: 'dm-pool-steps-input',
        cli: { flag: 'pool-steps', hint: 'DM with --dm-net pool: SGD steps on real batches per trained network per iteration (IDM: 10)' },
      },
      {
        key: 'batch',
        label: 'Real images per SGD step',
        hint: 'Real images, spread over the classes, in each of the pool networks’ training steps (IDM: 256).',
        default: DM_POOL_DEFAULTS.batch,
        limit: whole(1, 1024),
        testId: 'dm-pool-batch-input',
        more: true,
        cli: { flag: 'pool-batch', hint: 'DM with --dm-net pool: real images per SGD step of a pool network (IDM: 256)' },
      },
      {
        key: 'ceWeight',
        label: 'Cross-entropy weight λ',
        hint: 'Weight of the synthetic images’ cross-entropy under the drawn network, times its accuracy on real images (0–1); 0 turns the term off (IDM: 50, its 0.5 on an accuracy in %).',
        default: DM_POOL_DEFAULTS.ceWeight,
        limit: real(0, 10_000),
        step: 1,
        testId: 'dm-pool-ce-weight-input',
        cli: { flag: 'ce-weight', hint: 'DM with --dm-net pool: λ of the class-aware cross-entropy term, times the network\'s real accuracy in 0..1 (IDM: 50; 0 = off)' },
      },
    ],
  },
  toggles: [
    {
      key: 'dmNet',
      kind: 'enum',
      values: ['random', 'pool'],
      on: 'pool',
      off: 'random',
      label: 'Networks trained on real images (IDM pool)',
      hint: 'Embed with networks drawn from a pool trained on real images a few steps each iteration (IDM), plus a cross-entropy term on the synthetic images; off, DM’s fresh random network each iteration.',
      testId: 'dm-net-input',
      cli: {
        flag: 'dm-net',
        values: ['random', 'pool'],
        on: 'pool',
        off: 'random',
        hint: 'DM: the embedding network: a fresh random one each iteration (default, DM) or one drawn from a pool of networks trained on real data, with a cross-entropy term (IDM; --pool-* and --ce-weight)',
      },
      lesson: {
        title: 'A pool of networks trained on real images (IDM)',
        text: 'The network that embeds the images is not a fresh random one: it is drawn from a pool of networks that learn the real task as the run goes (every few iterations a new random one joins and the oldest leaves; after each image update a few of them take training steps on real images of all classes). Their features separate the classes better than random ones, so matching means under them carries more of what a classifier needs. The loss also adds the synthetic images’ cross-entropy under the drawn network, weighted by how accurate that network already is: each synthetic image should be classified as its own class.',
      },
      only: '--dm-net pool needs --method dm (only distribution matching draws embedding networks)',
    },
  ],
  samplers: ['uniform', 'importance', 'dream'],
  inits: ['real', 'noise', 'kmeans', 'importance'],
  multiFormation: true,
  drawsNetworks: true,
  estimateBytes: (config, net) => (usesPool(config) ? estimateDmPoolBytes(net, dmPoolSettings(config)) : null),
  memoryAdvice: 'Lower the pool size or the network width.',
  sequential: true,
} as const satisfies MethodDescriptor<'dm'>;
