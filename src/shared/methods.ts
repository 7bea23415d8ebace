/**
 * The registry of distillation methods as the UI, the config schema, the links and the CLI see them: plain data,
 * no TensorFlow.js. Each method's descriptor lives in src/shared/method-info/<id>.ts, its engine in
 * src/core/methods/<id>/ (registered in src/core/methods/registry.ts). Adding a method: one line here and one there.
 */
import { DC_INFO } from './method-info/dc';
import { DM_INFO } from './method-info/dm';
import { KRR_INFO } from './method-info/krr';
import { MGDD_INFO } from './method-info/mgdd';
import { MTT_INFO } from './method-info/mtt';
import { SRE2L_INFO } from './method-info/sre2l';
import type { MethodDescriptor } from './method-info/types';
import type { RunConfig } from './protocol';

export const METHODS = {
  dm: DM_INFO,
  dc: DC_INFO,
  krr: KRR_INFO,
  mtt: MTT_INFO,
  sre2l: SRE2L_INFO,
  mgdd: MGDD_INFO,
} as const satisfies Record<string, MethodDescriptor>;

export type MethodId = keyof typeof METHODS;
export const METHOD_IDS = Object.keys(METHODS) as [MethodId, ...MethodId[]];
/** What the UI needs to know about a method (its descriptor). */
export type MethodInfo = MethodDescriptor<MethodId>;
export type { MethodDescriptor, MethodSetting, MethodToggle } from './method-info/types';
export { settingValues } from './method-info/types';

/** The descriptor of a method id (typed loosely: for code that must not care which method it is). */
export function methodInfo(id: MethodId): MethodDescriptor<MethodId> {
  return METHODS[id];
}

/** The multi-formation factor a run of `config` uses (1: off, or the method takes none). */
export function runFactor(config: Pick<RunConfig, 'method' | 'factor'>): number {
  return methodInfo(config.method).multiFormation ? (config.factor ?? 1) : 1;
}

/** The SeqMatch subsets a run of `config` uses (1: off, or the method takes none); throws when there are more than its IPC. */
export function runSubsets(config: Pick<RunConfig, 'method' | 'seqSubsets' | 'ipc'>): number {
  const k = methodInfo(config.method).sequential ? (config.seqSubsets ?? 1) : 1;
  if (k > config.ipc) throw new Error(`SeqMatch splits each class's ${config.ipc} images into ${k} subsets: use at most ${config.ipc} subsets, or more images per class.`);
  return k;
}

/** The sampler a run of `config` uses: uniform for a method that draws no real batches through one. */
export function runSampler(config: Pick<RunConfig, 'method' | 'sampler'>): SamplerId {
  const s = config.sampler ?? 'uniform';
  return methodInfo(config.method).samplers.includes(s) ? s : 'uniform';
}

/** Whether a method draws real batches while distilling (through the run's sampler). */
export function drawsRealBatches(id: MethodId): boolean {
  return methodInfo(id).samplers.some((s) => s !== 'uniform');
}

/** Whether a run of `config` learns soft labels (exported and evaluable beside the class labels). */
export function learnsSoftLabels(config: RunConfig): boolean {
  return methodInfo(config.method).softLabels?.(config) ?? false;
}

/** The methods offering a toggle (by config field), for messages that name them. */
export function methodsWith(pred: (d: MethodDescriptor<MethodId>) => boolean): MethodId[] {
  return METHOD_IDS.filter((id) => pred(methodInfo(id)));
}

/**
 * Whether a run of `config` learns labels at their own learning rate (`lrLabels`): its method's defaults give one
 * (KRR's) and the config learns labels (KRR's Learn labels). The runs a config's lrLabels applies to.
 */
export function learnsLabelsAtOwnRate(config: RunConfig): boolean {
  const d = methodInfo(config.method);
  return d.defaults.lrLabels !== undefined && d.softLabels?.(config) === true;
}

/** The methods that can learn soft labels, for messages ("KRR", "KRR or X"). */
export function softLabelMethods(): string {
  return methodsWith((d) => d.softLabels !== undefined)
    .map((id) => id.toUpperCase())
    .join(' or ');
}

/** Whether a run of `config` has a teacher that can relabel evaluation batches (`labels: 'teacher'`). */
export function hasTeacher(config: Pick<RunConfig, 'method'>): boolean {
  return methodInfo(config.method).teacher === true;
}

/** The methods with a teacher to relabel evaluation batches, for messages ("--method sre2l"). */
export function teacherMethods(): MethodId[] {
  return methodsWith((d) => d.teacher === true);
}

export { KRR_NETWORKS } from './method-info/krr';
export { MTT_SETTINGS_DEFAULTS, mttSettings, type MttSettings } from './method-info/mtt';
export { SRE2L_SETTINGS_DEFAULTS, sre2lSettings, type Sre2lSettings } from './method-info/sre2l';
export { MGDD_SETTINGS_DEFAULTS, mgddSettings, type MgddSettings } from './method-info/mgdd';
export { DM_POOL_DEFAULTS, dmPoolSettings, usesPool, type DmPoolSettings } from './method-info/dm';

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
