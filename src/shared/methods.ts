/**
 * What the UI needs to know about each distillation method: plain data, no TensorFlow.js.
 * The engine's implementations live in src/core/methods/<id>/.
 */
export type MethodId = 'dm' | 'dc' | 'krr' | 'mtt';
export const METHOD_IDS: readonly [MethodId, ...MethodId[]] = ['dm', 'dc', 'krr', 'mtt'];

export interface MethodInfo {
  id: MethodId;
  label: string;
  /** One line for the picker. */
  hint: string;
  /** What one iteration is, for the iteration control. */
  iteration: string;
  /** Defaults of the settings that differ between methods (the papers' values). */
  defaults: { lrImages: number; momentum: number };
}

export const METHODS: Record<MethodId, MethodInfo> = {
  dm: {
    id: 'dm',
    label: 'Distribution matching (DM)',
    hint: 'Match mean features of real and synthetic images under a fresh random network each iteration.',
    iteration: 'one update of the synthetic images',
    defaults: { lrImages: 1, momentum: 0.5 },
  },
  dc: {
    id: 'dc',
    label: 'Gradient matching (DC)',
    hint: 'Match the training gradients real and synthetic images give a network that is itself being trained.',
    iteration: "one outer iteration: a fresh network, several image updates with training in between",
    defaults: { lrImages: 0.1, momentum: 0.5 },
  },
  krr: {
    id: 'krr',
    label: 'Kernel ridge regression (KRR)',
    hint: 'Fit real labels by kernel ridge regression from the synthetic set, with features of random networks.',
    iteration: 'one update of the synthetic images against a real batch of every class',
    defaults: { lrImages: 0.1, momentum: 0.9 },
  },
  mtt: {
    id: 'mtt',
    label: 'Trajectory matching (MTT)',
    hint: 'Train expert networks on real data, then make a few steps on the synthetic set land where the experts went.',
    iteration: 'N differentiable training steps from an expert checkpoint, then one update of the images and the step size',
    defaults: { lrImages: 100, momentum: 0.5 },
  },
};

/** KRR's random networks per iteration, whose features are concatenated into its kernel. */
export const KRR_NETWORKS = 4;

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


/** MTT's settings of a run, defaults filled in. */
export function mttSettings(config: { mtt?: Partial<MttSettings> }): MttSettings {
  return { ...MTT_SETTINGS_DEFAULTS, ...config.mtt };
}

export type InitId = 'real' | 'noise' | 'kmeans' | 'importance';
export const INIT_IDS: readonly [InitId, ...InitId[]] = ['real', 'noise', 'kmeans', 'importance'];

/** What the UI says about each initialisation. */
export const INITS: Record<InitId, { label: string; hint: string }> = {
  real: { label: 'Random real images', hint: 'IPC real images per class, drawn uniformly.' },
  noise: { label: 'Noise', hint: 'Gaussian noise: the synthetic images start from nothing (as the DC paper).' },
  kmeans: {
    label: 'k-means centres (DREAM)',
    hint: 'Per class, k-means with IPC clusters on network features; the real image nearest each centre.',
  },
  importance: {
    label: 'Importance sampling',
    hint: 'Per class, real images drawn by their sensitivity (share of the k-means loss, or ridge leverage for KRR): outliers and small clusters are kept, near-duplicates dropped.',
  },
};

/** How the importance init turns π into IPC images (see `INIT_DRAWS`). */
export type InitDraw = 'sample' | 'coreset';
export const INIT_DRAW_IDS: readonly [InitDraw, ...InitDraw[]] = ['sample', 'coreset'];
export const INIT_DRAWS: Record<InitDraw, { label: string; hint: string }> = {
  sample: { label: 'Draw IPC images by π', hint: 'The paper’s sensitivity sampling: the initial images are themselves drawn by importance.' },
  coreset: {
    label: 'Coreset, then k-means',
    hint: 'Draw 10·IPC images by π (a weighted coreset), run weighted k-means to IPC centres, take the real image nearest each.',
  },
};

/** Defaults of the settings the kmeans and importance inits read (features, candidates per class, draw). */
export const INIT_SETTINGS_DEFAULTS = { initFeatures: 'embed', initPool: 1000, initDraw: 'sample' } as const satisfies {
  initFeatures: 'embed' | 'pixels';
  initPool: number;
  initDraw: InitDraw;
};

export type SamplerId = 'uniform' | 'importance' | 'dream';
export const SAMPLER_IDS: readonly [SamplerId, ...SamplerId[]] = ['uniform', 'importance', 'dream'];

/** Settings of the importance and DREAM samplers. */
export interface SamplerSettings {
  /** Iterations between refreshes (R for importance; DREAM's interval, 10 in the paper). */
  interval: number;
  /** Importance: weight of the loss term in π = α·ℓ/Σℓ + (1 − α)/n. */
  alpha: number;
  /** Candidates per class at each refresh (0 = all the class's images). */
  pool: number;
  /** SGD steps of the probe network on the synthetic set, whose losses or features the sampler uses. */
  probeSteps: number;
}

export const SAMPLER_SETTINGS_DEFAULTS: SamplerSettings = { interval: 10, alpha: 0.5, pool: 500, probeSteps: 50 };

export const SAMPLERS: Record<SamplerId, { label: string; hint: string }> = {
  uniform: { label: 'Uniform', hint: 'Each class’s real batch is drawn uniformly at random, as in the papers.' },
  importance: {
    label: 'Importance (selective)',
    hint: 'Every R iterations, score real images by their loss under a probe network trained on the synthetic set; draw batches by α·loss share + (1 − α)·uniform.',
  },
  dream: {
    label: 'Representative (DREAM)',
    hint: 'Every R iterations, k-means on the probe network’s features per class, one cluster per batch image; the batch is the image nearest each centre.',
  },
};

/** Sampler settings of a run, defaults filled in. */
export function samplerSettings(config: { samplerSettings?: Partial<SamplerSettings> }): SamplerSettings {
  return { ...SAMPLER_SETTINGS_DEFAULTS, ...config.samplerSettings };
}
