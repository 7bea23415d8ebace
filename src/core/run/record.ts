/**
 * The run record: one JSON document per distillation run, written by the CLI's `--out`, exported by the app,
 * and read by the benches. Defined once with zod: the schema is the validation, the type and the docs.
 * Extend it by adding fields; never rename one (other tools read it).
 */
import { z } from 'zod';
import { INIT_DRAW_IDS, INIT_IDS, METHOD_IDS, SAMPLER_IDS } from '../../shared/methods';

const evalResult = z.object({ mean: z.number(), std: z.number(), runs: z.array(z.number()) });

export const runRecordSchema = z.object({
  schema: z.literal('distill-playground/run-record@1'),
  app: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.string(),
  /** The full run configuration, defaults filled in. */
  config: z.object({
    /** 'custom': a dataset uploaded in the page, named by its fingerprint. */
    dataset: z.enum(['mnist', 'fashion-mnist', 'cifar-10', 'custom']),
    datasetSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    method: z.enum(METHOD_IDS),
    ipc: z.number().int().positive(),
    iterations: z.number().int().nonnegative(),
    width: z.number().int().positive(),
    depth: z.number().int().positive(),
    realPerClass: z.number().int().positive(),
    lrImages: z.number(),
    momentum: z.number(),
    init: z.enum(INIT_IDS),
    initFeatures: z.enum(['embed', 'pixels']).optional(),
    initPool: z.number().int().nonnegative().optional(),
    /** Importance init only: 'sample' (IPC draws by π) or 'coreset' (10·IPC draws, weighted k-means). */
    initDraw: z.enum(INIT_DRAW_IDS).optional(),
    sampler: z.enum(SAMPLER_IDS).optional(),
    samplerSettings: z
      .object({
        interval: z.number().int().positive(),
        alpha: z.number().min(0).max(1),
        pool: z.number().int().nonnegative(),
        probeSteps: z.number().int().nonnegative(),
      })
      .optional(),
    dsa: z.boolean(),
    seed: z.number().int(),
    /** KRR only: whether the synthetic labels were learned. */
    learnLabels: z.boolean().optional(),
    /** KRR with learned labels: the labels' learning rate; absent (records from before the field): lrImages. */
    lrLabels: z.number().nonnegative().optional(),
    /** Multi-formation factor (absent: 1, off): each stored image decodes into factor² training images. */
    factor: z.number().int().positive().optional(),
    /** SeqMatch's subsets (absent: 1, off). */
    seqSubsets: z.number().int().positive().optional(),
    /** DC only: 'real' when the matching network trained on real data (IDC); absent: DC's (synthetic). */
    dcNet: z.enum(['synthetic', 'real']).optional(),
    /** DC only: 'l1' when gradients were matched with IDC's L1 distance; absent: DC's Σ(1 − cos). */
    dcDistance: z.enum(['cos', 'l1']).optional(),
    /** MTT's settings, present when method is 'mtt'. */
    mtt: z
      .object({
        syntheticSteps: z.number().int().positive(),
        batchSyn: z.number().int().nonnegative(),
        expertEpochs: z.number().int().positive(),
        maxStartEpoch: z.number().int().nonnegative(),
        experts: z.number().int().positive(),
        expertImagesPerEpoch: z.number().int().positive(),
      })
      .optional(),
    /** SRe2L's settings, present when method is 'sre2l'. */
    sre2l: z
      .object({
        teacherEpochs: z.number().int().positive(),
        teacherImages: z.number().int().positive(),
        bnWeight: z.number().nonnegative(),
        firstBnMultiplier: z.number().nonnegative(),
        varWeight: z.number().nonnegative(),
        jitter: z.number().int().nonnegative(),
        rho: z.number().nonnegative(),
        dwaSteps: z.number().int().positive(),
        dwaSubset: z.number().int().positive(),
        temperature: z.number().positive(),
      })
      .optional(),
    /** SRe2L only: whether DWA's directed weight adjustment was on. */
    dwa: z.boolean().optional(),
    /** MGDD's settings, present when method is 'mgdd'. */
    mgdd: z
      .object({
        metaTasks: z.number().int().nonnegative(),
        innerSteps: z.number().int().positive(),
        innerLr: z.number().nonnegative(),
        metaLr: z.number().nonnegative(),
        maxIpc: z.number().int().positive(),
        metaReal: z.number().int().positive(),
        genWidth: z.number().int().positive(),
        networks: z.number().int().positive(),
      })
      .optional(),
    /** DM only: 'pool' when the embedding networks came from IDM's pool trained on real data; absent: DM's (random). */
    dmNet: z.enum(['random', 'pool']).optional(),
    /** IDM's pool settings, present when dmNet is 'pool'. */
    dmPool: z
      .object({
        size: z.number().int().positive(),
        interval: z.number().int().positive(),
        trainNets: z.number().int().nonnegative(),
        steps: z.number().int().nonnegative(),
        batch: z.number().int().positive(),
        ceWeight: z.number().nonnegative(),
      })
      .optional(),
    /**
     * Where the fresh random networks drawn while distilling got their weights: 'device' (a small uploaded table,
     * src/core/nn/draw.ts) or 'host' (JavaScript); absent (records from before the field): host.
     */
    netDraw: z.enum(['host', 'device']).optional(),
  }),
  dataset: z.object({
    id: z.string(),
    variant: z.string(),
    trainCount: z.number().int(),
    testCount: z.number().int(),
    heldOutNote: z.string().optional(),
    /** An uploaded dataset: its name (the file's) and fingerprint. */
    name: z.string().optional(),
    sha256: z.string().optional(),
  }),
  /** The real images the synthetic set started from, per class (absent for noise). */
  initial: z
    .object({
      indices: z.array(z.array(z.number().int().nonnegative())),
      /** Importance init: each drawn image's sampling probability π and weight 1/(m·π), in the order of `indices`. */
      probabilities: z.array(z.array(z.number().positive())).optional(),
      weights: z.array(z.array(z.number().positive())).optional(),
    })
    .optional(),
  /** Set when the run started from an imported set (a `.npz`) instead of its `init`: the file and its sha256. */
  startedFrom: z.object({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  backend: z.string(),
  /** What the backend reported when it started (wasm: SIMD and its threads; webgpu: the adapter). */
  backendDetail: z.string().optional(),
  /**
   * Where the run's real batches came from (issue 15; absent in older records: from the host): the dataset
   * resident on the device and batches gathered there, or host batches and why (the engine option, or memory).
   */
  realBatches: z.object({ resident: z.boolean(), bytes: z.number().int().nonnegative(), reason: z.string() }).optional(),
  iterations: z.array(z.object({ iteration: z.number().int(), loss: z.number(), ms: z.number() })),
  /** Median wall-clock milliseconds per iteration. */
  msPerIteration: z.number(),
  /** sha256 of the synthetic images' float32 bytes (NHWC, class-major, normalised space). */
  syntheticSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The evaluation protocol's settings, and accuracy of the distilled set beside its baselines at the same IPC. */
  evaluation: z
    .object({
      epochs: z.number().int(),
      models: z.number().int(),
      width: z.number().int(),
      /** The networks trained: ConvNet-3 (the protocol; absent in records before it could be chosen) or an MLP. */
      architecture: z.enum(['convnet', 'mlp']).optional(),
      testImages: z.number().int(),
      /** Whether the evaluation networks trained with DSA augmentation (absent in older records: off). */
      dsa: z.boolean().optional(),
      /** Whether they trained with CutMix as IDC evaluates (src/core/augment/cutmix.ts; absent in older records: off). */
      cutmix: z.boolean().optional(),
      /** The learning-rate schedule (EVAL_LR_SCHEDULES: 'half' or IDC's 'idc'; absent in older records: half). */
      lrSchedule: z.enum(['half', 'idc']).optional(),
      /**
       * The labels the distilled set's networks trained on: 'hard' (class labels, the protocol), 'soft' (the set's
       * learned labels as target distributions, a stated variant; src/core/eval/soft-labels.ts; the baselines train
       * on their class labels) or 'teacher' (SRe2L's relabel protocol: every augmented training batch of every set,
       * the baselines' too, takes the run's teacher's target distributions; EvalConfig.relabel). Absent in older
       * records: hard.
       */
      labels: z.enum(['hard', 'soft', 'teacher']).optional(),
    })
    .nullable(),
  accuracy: z
    .object({ distilled: evalResult, random: evalResult, herding: evalResult, kCenter: evalResult })
    .nullable(),
  /**
   * Figures the method reported about the final set, by name (its readouts: e.g. SRe2L's `diversity.<class>`, the
   * mean pairwise distance of a class's images' teacher features, and their mean `diversity`; MTT's `stepSize`).
   * Absent in older records and for methods that report none.
   */
  readouts: z.record(z.string(), z.number()).optional(),
});

export type RunRecord = z.infer<typeof runRecordSchema>;

/** Median of a list (NaN when empty). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The record's `initial` field from a run's initial set. */
export function initialOf(initial: {
  chosen: Int32Array[];
  importance?: { pi: Float64Array; drawn: Int32Array; weights: Float64Array }[];
}): RunRecord['initial'] {
  if (initial.chosen.every((c) => c.length === 0)) return undefined;
  const imp = initial.importance;
  return {
    indices: initial.chosen.map((c) => Array.from(c)),
    ...(imp
      ? { probabilities: imp.map((ci) => Array.from(ci.drawn, (p) => ci.pi[p]!)), weights: imp.map((ci) => Array.from(ci.weights)) }
      : {}),
  };
}

/** What a run record is made of, wherever the run happened (the CLI, the page's worker). */
export interface RunRecordParts {
  app: RunRecord['app'];
  config: RunRecord['config'];
  dataset: RunRecord['dataset'];
  initial: Parameters<typeof initialOf>[0];
  startedFrom?: RunRecord['startedFrom'];
  backend: string;
  backendDetail?: string;
  realBatches?: RunRecord['realBatches'];
  iterations: RunRecord['iterations'];
  syntheticSha256: string;
  evaluation: RunRecord['evaluation'];
  accuracy: RunRecord['accuracy'];
  readouts?: Record<string, number>;
  createdAt?: Date;
}

/** The run record of a finished (or paused) run, validated against the schema. */
export function buildRunRecord(p: RunRecordParts): RunRecord {
  return runRecordSchema.parse({
    schema: 'distill-playground/run-record@1',
    app: p.app,
    createdAt: (p.createdAt ?? new Date()).toISOString(),
    config: p.config,
    dataset: p.dataset,
    initial: initialOf(p.initial),
    ...(p.startedFrom ? { startedFrom: p.startedFrom } : {}),
    backend: p.backend,
    ...(p.backendDetail ? { backendDetail: p.backendDetail } : {}),
    ...(p.realBatches ? { realBatches: p.realBatches } : {}),
    iterations: p.iterations,
    msPerIteration: median(p.iterations.map((x) => x.ms)),
    syntheticSha256: p.syntheticSha256,
    evaluation: p.evaluation,
    accuracy: p.accuracy,
    ...(p.readouts && Object.keys(p.readouts).length > 0 ? { readouts: p.readouts } : {}),
  });
}

/** The record's `dataset` block of a loaded dataset. */
export function datasetOf(loaded: {
  spec: { id: string };
  variant: string;
  train: { count: number };
  test: { count: number };
  heldOutNote?: string;
  sha256?: string;
}): RunRecord['dataset'] {
  return {
    id: loaded.spec.id,
    ...(loaded.spec.id === 'custom' ? { name: (loaded.spec as { name?: string }).name ?? 'custom', ...(loaded.sha256 ? { sha256: loaded.sha256 } : {}) } : {}),
    variant: loaded.variant,
    trainCount: loaded.train.count,
    testCount: loaded.test.count,
    ...(loaded.heldOutNote ? { heldOutNote: loaded.heldOutNote } : {}),
  };
}
