/**
 * The general settings of the page's "More settings" card (section 'more'): the optimiser, the network's depth,
 * the inits' and samplers' finer knobs and where random networks are drawn. `GENERAL_SETTINGS` (./general.ts) puts
 * them in their place in the page's order.
 */
import { real, whole } from '../limit';
import { INIT_SETTINGS_DEFAULTS, learnsLabelsAtOwnRate, METHODS, methodInfo, methodsWith, runSampler, SAMPLER_SETTINGS_DEFAULTS } from '../methods';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../protocol';
import type { Setting } from './types';

const selects = (c: RunConfig) => c.init === 'kmeans' || c.init === 'importance';

/** The methods whose learned labels take their own learning rate (KRR), and its default (theirs). */
const labelLrMethods = methodsWith((d) => d.defaults.lrLabels !== undefined);
const labelLrDefault = methodInfo(labelLrMethods[0]!).defaults.lrLabels!;

/** Each method's default of an optimiser setting, for the CLI's help ("dm 1, dc 0.1, …"). */
const methodDefaults = (key: 'lrImages' | 'momentum') => Object.values(METHODS).map((d) => `${d.id} ${d.defaults[key]}`).join(', ');

export const MORE_SETTINGS: readonly Setting[] = [
  {
    param: 'lrImages',
    path: ['lrImages'],
    section: 'more',
    kind: 'number',
    label: 'Learning rate of the images',
    hint: 'Step size of SGD on the synthetic pixels; choosing a method sets its value (its paper’s; KRR’s is measured here).',
    default: DEFAULT_RUN_CONFIG.lrImages,
    defaultText: (c) => `${METHODS[c.method].defaults.lrImages} for ${c.method.toUpperCase()}`,
    limit: real(1e-6, 10_000),
    testId: 'lr-input',
    methods: 'all',
    cli: { flag: 'lr-images', arg: 'A', help: `learning rate of the images (default: the method's: ${methodDefaults('lrImages')})` },
  },
  {
    param: 'momentum',
    path: ['momentum'],
    section: 'more',
    kind: 'number',
    label: 'Momentum',
    hint: 'SGD momentum on the synthetic pixels: how much of the last update carries into the next.',
    default: DEFAULT_RUN_CONFIG.momentum,
    defaultText: (c) => `${METHODS[c.method].defaults.momentum} for ${c.method.toUpperCase()}`,
    limit: real(0, 0.999),
    testId: 'momentum-input',
    methods: 'all',
    cli: { flag: 'momentum', arg: 'M', help: `SGD momentum on the images (default: the method's: ${methodDefaults('momentum')})` },
  },
  {
    param: 'lrLabels',
    path: ['lrLabels'],
    section: 'more',
    kind: 'number',
    label: 'Learning rate of the labels',
    hint: 'KRR with learned labels: step size of SGD on the synthetic set’s regression targets (measured here; below the pixels’, at which the labels drift).',
    default: labelLrDefault,
    // Runs from before this setting learned the labels at the pixels' rate.
    absent: (c) => c.lrImages,
    limit: real(0, 10_000),
    optional: true,
    shown: learnsLabelsAtOwnRate,
    testId: 'lr-labels-input',
    methods: labelLrMethods,
    cli: {
      flag: 'lr-labels',
      arg: 'A',
      help: 'KRR with --learn-labels on: learning rate of the labels (absent from a record or link made before this flag: the images’)',
    },
    onlyWhen: '--lr-labels applies only with --method krr --learn-labels on',
  },
  {
    param: 'depth',
    path: ['depth'],
    section: 'more',
    kind: 'number',
    label: 'Network depth',
    hint: 'Conv blocks (conv, instance norm, ReLU, 2×2 pooling) in the ConvNet; the papers use 3.',
    default: DEFAULT_RUN_CONFIG.depth,
    limit: whole(1, 4),
    testId: 'depth-input',
    methods: 'all',
  },
  {
    param: 'initFeatures',
    path: ['initFeatures'],
    section: 'more',
    kind: 'choice',
    label: 'Init features',
    hint: 'What the init’s k-means and sensitivities see: a random ConvNet’s embedding, or the raw pixels.',
    default: INIT_SETTINGS_DEFAULTS.initFeatures,
    defaultText: 'embedding',
    choices: [
      ['embed', 'Random ConvNet embedding'],
      ['pixels', 'Pixels'],
    ],
    shown: selects,
    optional: true,
    testId: 'init-features-select',
    methods: 'all',
    cli: { flag: 'init-features', arg: 'embed|pixels', help: 'features kmeans/importance look at', defaultText: "embed: a random ConvNet's" },
  },
  {
    param: 'initPool',
    path: ['initPool'],
    section: 'more',
    kind: 'number',
    label: 'Init candidates per class',
    hint: 'Real images per class the init chooses among (0 = all of the class).',
    default: INIT_SETTINGS_DEFAULTS.initPool,
    limit: whole(0, 60_000),
    step: 100,
    shown: selects,
    optional: true,
    testId: 'init-pool-input',
    methods: 'all',
    cli: { flag: 'init-pool', arg: 'N', help: 'images per class kmeans/importance consider', defaultText: `${INIT_SETTINGS_DEFAULTS.initPool}; 0 = all`, max: 1_000_000 },
  },
  {
    param: 'sampler.pool',
    path: ['samplerSettings', 'pool'],
    section: 'more',
    kind: 'number',
    label: 'Sampler candidates per class',
    hint: 'Real images per class scored or clustered at each refresh (0 = all of the class).',
    default: SAMPLER_SETTINGS_DEFAULTS.pool,
    limit: whole(0, 60_000),
    step: 100,
    shown: (c) => runSampler(c) !== 'uniform',
    testId: 'sampler-pool-input',
    methods: methodsWith((d) => d.samplers.some((s) => s !== 'uniform')),
    cli: { flag: 'sampler-pool', arg: 'N', help: 'candidates per class at each refresh', defaultText: `${SAMPLER_SETTINGS_DEFAULTS.pool}; 0 = all`, max: 1_000_000 },
  },
  {
    param: 'sampler.probeSteps',
    path: ['samplerSettings', 'probeSteps'],
    section: 'more',
    kind: 'number',
    label: 'Probe training steps',
    hint: 'SGD steps the probe network trains on the synthetic set before its losses or features are used.',
    default: SAMPLER_SETTINGS_DEFAULTS.probeSteps,
    limit: whole(0, 1000),
    shown: (c) => runSampler(c) !== 'uniform',
    testId: 'sampler-probe-input',
    methods: methodsWith((d) => d.samplers.some((s) => s !== 'uniform')),
  },
  {
    param: 'netDraw',
    path: ['netDraw'],
    section: 'more',
    kind: 'choice',
    label: 'Random networks drawn',
    hint: 'Where the fresh random networks drawn while distilling get their weights: on the device from a small uploaded table (under 1 KB a network), or in JavaScript with every weight uploaded (runs and links from before this setting). Different bytes, the same distribution.',
    default: DEFAULT_RUN_CONFIG.netDraw!,
    absent: 'host',
    choices: [
      ['device', 'On the device'],
      ['host', 'In JavaScript (older runs)'],
    ],
    optional: true,
    shown: (c) => methodInfo(c.method).drawsNetworks === true,
    testId: 'net-draw-select',
    methods: methodsWith((d) => d.drawsNetworks === true),
    cli: { flag: 'net-draw', arg: 'device|host', help: 'where fresh random networks get their weights: device (a small uploaded table) or host (JavaScript, every weight uploaded: what runs before this flag did)' },
  },
];
