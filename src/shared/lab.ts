/**
 * The multi-index teaching lab's settings, limits, presets and results: plain data shared by the engine
 * (src/core/lab/multi-index), the worker, the CLI (`distill lab multi-index`) and the page's Teaching lab panel.
 *
 * The task (Kinoshita, Nishikawa, Toyoizumi 2026): x ~ N(0, I_d), a hidden orthonormal U ∈ R^{d×r}, label
 * y = sign(g(Uᵀx) − median), so only r of the d directions matter. m synthetic points are distilled by gradient
 * matching on freshly drawn two-layer networks of width L; the lab measures how much of their energy lies in the
 * hidden subspace and how well a fresh network trained on them does, against m random real points.
 */
import { z } from 'zod';
import { real, whole, type Limit } from './limit';

/** The link functions g: R^r → R (the label is the sign of g minus its median, so the classes are balanced). */
export const LAB_LINKS = ['parity', 'norm', 'relu'] as const;
export type LabLink = (typeof LAB_LINKS)[number];

export const LAB_LINK_INFO: Record<LabLink, { label: string; formula: string; hint: string }> = {
  parity: { label: 'Sign of a product (r-parity)', formula: 'y = sign(z₁·z₂·…·z_r)', hint: 'XOR-like for r = 2: no single direction tells the label; the pair does.' },
  norm: { label: 'Sum of squares (shell)', formula: 'y = sign(‖z‖² − median)', hint: 'Inside or outside a sphere in the hidden subspace: even in z, so a linear model is at chance.' },
  relu: { label: 'ReLU combination', formula: 'y = sign(Σᵢ relu(zᵢ) − median)', hint: 'A corner-shaped boundary: the easiest of the three, partly linear.' },
};

/** The lab's configuration (a run of the curve: one distillation per entry of `points`). */
export interface LabConfig {
  /** Input dimension d. */
  d: number;
  /** Hidden dimension r (the task depends on Uᵀx ∈ R^r only). */
  r: number;
  link: LabLink;
  /** Width L of the two-layer networks (matched and evaluated). */
  width: number;
  /** The numbers m of distilled points, one distillation each (the curve's x axis), increasing. */
  points: number[];
  /** Gradient-matching iterations per distillation (one fresh network each). */
  iterations: number;
  seed: number;
  /** Size of the real training set drawn once from the task (the pool real batches and random baselines come from). */
  train: number;
  /** Real points per matching iteration. */
  batch: number;
  /** Test points (fresh draws from the task). */
  test: number;
  /** Adam step size on the synthetic points. */
  lr: number;
  /** Full-batch Adam steps of each evaluation network, and how many networks per set (mean ± std). */
  evalSteps: number;
  evalNets: number;
}

export const LAB_DEFAULTS: LabConfig = {
  d: 32,
  r: 2,
  link: 'relu',
  width: 64,
  points: [2, 4, 8, 16],
  iterations: 400,
  seed: 0,
  train: 4096,
  batch: 512,
  test: 2000,
  lr: 0.05,
  evalSteps: 300,
  evalNets: 2,
};

/** Ranges that keep a browser tab responsive (the CLI and the page share them). */
export const LAB_LIMITS: Record<Exclude<keyof LabConfig, 'link' | 'points'>, Limit> & { pointsEach: Limit; pointsCount: Limit } = {
  d: whole(2, 512),
  r: whole(1, 8),
  width: whole(2, 1024),
  iterations: whole(1, 20_000),
  seed: whole(0, 2_147_483_647),
  train: whole(16, 100_000),
  batch: whole(8, 8192),
  test: whole(100, 100_000),
  lr: real(1e-5, 10),
  evalSteps: whole(1, 10_000),
  evalNets: whole(1, 10),
  pointsEach: whole(1, 1024),
  pointsCount: whole(1, 12),
};

const limited = (key: keyof typeof LAB_LIMITS) => {
  const l = LAB_LIMITS[key];
  const n = l.int ? z.number().int() : z.number();
  return n.min(l.min).max(l.max);
};

/** Validates a lab config (the worker and the CLI check every one they receive). */
export const labConfigSchema = z
  .object({
    d: limited('d'),
    r: limited('r'),
    link: z.enum(LAB_LINKS),
    width: limited('width'),
    points: z.array(limited('pointsEach')).min(LAB_LIMITS.pointsCount.min).max(LAB_LIMITS.pointsCount.max),
    iterations: limited('iterations'),
    seed: limited('seed'),
    train: limited('train'),
    batch: limited('batch'),
    test: limited('test'),
    lr: limited('lr'),
    evalSteps: limited('evalSteps'),
    evalNets: limited('evalNets'),
  })
  .refine((c) => c.r <= c.d, { message: 'r must be at most d', path: ['r'] })
  .refine((c) => c.points.every((m, i) => i === 0 || m > c.points[i - 1]!), { message: 'points must increase', path: ['points'] })
  .refine((c) => c.points.every((m) => m <= c.train), { message: 'each number of points must be at most the training set size', path: ['points'] });

/** A preset: settings and what the student should see, and why. */
export interface LabPreset {
  id: string;
  label: string;
  config: LabConfig;
  /** The short teaching text shown beside the plot. */
  text: string[];
}

export const LAB_PRESETS: LabPreset[] = [
  {
    id: 'corner',
    label: 'Two hidden directions in 32 dimensions',
    config: { ...LAB_DEFAULTS },
    text: [
      'The label depends on only 2 of the 32 input directions: y is the sign of relu(z₁) + relu(z₂) minus its median, where z = Uᵀx are the coordinates along two hidden directions.',
      'Random real points spread their energy evenly: only r/d = 2/32 ≈ 6 % of it lies in the hidden plane (the orange line), so a network trained on a handful of them mostly fits noise.',
      'Gradient matching moves the synthetic points until a fresh random two-layer network’s gradient on them points the same way as its gradient on the 4096 real points. That gradient lies (nearly) in the hidden plane, so the points move there: the blue subspace line climbs far above 6 %.',
      'A fresh network trained on those few points beats one trained on as many random points: the distilled set stores the plane, about r²·d numbers, instead of examples. That is the paper’s Θ̃(r²d + L) memory. Fewer points are pushed harder into the plane; with more points, each carries less of it.',
    ],
  },
  {
    id: 'shell',
    label: 'A hidden circle (harder: second-order signal)',
    config: { ...LAB_DEFAULTS, d: 16, r: 2, link: 'norm', points: [4, 8, 16], iterations: 600 },
    text: [
      'Now the label says whether the point lies outside a circle in the hidden plane: y = sign(‖z‖² − median). It is even in z, so no single direction is correlated with it.',
      'A random network’s gradient then sees the plane only through its second-order term, which is much weaker than the first-order one of the ReLU link (its strength shrinks like r/d, and a batch’s noise does not). Watch the subspace fraction still rise well above r/d = 12.5 %, but slower and less far.',
      'At this budget the networks trained on the distilled points stay close to chance: the points found the plane, but not yet enough of the circle. The theory needs more real samples and iterations for such “information exponent 2” tasks; try more iterations.',
    ],
  },
];

/** One curve point: m distilled points against m random real ones. */
export interface LabCurvePoint {
  m: number;
  /**
   * Mean over the points of ‖Uᵀx‖²/‖x‖², for the distilled set and for the m random real points it started from
   * (the baseline set: the same points, before distillation).
   */
  fraction: { distilled: number; random: number };
  /** Test accuracy (0..1) of fresh networks trained on each set: mean, std and each network's. */
  accuracy: { distilled: LabAccuracy; random: LabAccuracy };
  /** The matching loss (mean of the last 10% of iterations) and at the first iteration. */
  loss: { first: number; last: number };
  /** Numbers the distilled set stores: m·d coordinates (labels are fixed ±1). */
  numbers: number;
  ms: number;
}

export interface LabAccuracy {
  mean: number;
  std: number;
  runs: number[];
}

/** What a lab run returns: the curve, the reference lines and the memory the theory names. */
export interface LabResult {
  config: LabConfig;
  /** r/d: the fraction expected for points with no preference for the subspace. */
  chance: number;
  /**
   * Accuracy of networks trained on the whole training set (the ceiling at this width and number of steps; Adam
   * on minibatches of `batch` rows, where the m-point sets train full-batch).
   */
  full: LabAccuracy;
  /** r²·d + L: the order of the memory the theory says suffices (constants and logs left out). */
  theoryNumbers: number;
  curve: LabCurvePoint[];
  /** sha256 of the last distilled set's float32 bytes (determinism). */
  lastSetSha256: string;
  ms: number;
}

/** Progress while the lab runs. */
export type LabEvent =
  /** The ceiling (networks trained on the whole training set) was measured; the distillations begin. */
  | { type: 'lab-started'; config: LabConfig; chance: number; full: LabAccuracy }
  /** Throttled: the iteration reached in the current distillation, its loss and subspace fraction so far. */
  | { type: 'lab-progress'; index: number; m: number; iteration: number; iterations: number; loss: number; fraction: number; fractionDone: number }
  /** Evaluating the m-th sets. */
  | { type: 'lab-evaluating'; index: number; m: number }
  | { type: 'lab-point'; index: number; point: LabCurvePoint }
  | { type: 'lab-done'; result: LabResult; reason: 'completed' | 'stopped' };
