/** The evaluation part of the worker boundary (src/shared/protocol.ts): its settings, progress and report. */

/** Settings of an evaluation under the field's protocol (see src/core/eval/evaluate.ts). */
export interface EvalRequest {
  epochs: number;
  models: number;
  /** Test images used (0 = the whole test split). */
  testLimit: number;
  /** The networks trained: ConvNet-3 (the protocol, the default) or an MLP (the cross-architecture check). */
  architecture?: EvalArchitecture;
  /** Train the evaluation networks with DSA augmentation, a fresh draw every batch (the DSA/DM/IDC protocol). Absent: off. */
  dsa?: boolean;
  /** Train them with CutMix as IDC evaluates (src/core/augment/cutmix.ts), a stated variant; the baselines too. Absent: off. */
  cutmix?: boolean;
  /** The evaluation networks' learning-rate schedule (EVAL_LR_SCHEDULES; lrAt in src/core/eval/evaluate.ts). Absent: 'half'. */
  lrSchedule?: EvalLrSchedule;
  /**
   * The labels the distilled set's networks train on: 'hard' (class labels, the protocol; absent means hard),
   * 'soft' (its learned labels: a stated variant; src/core/eval/soft-labels.ts) or 'teacher' (SRe2L's relabel
   * protocol: every augmented training batch of every set, the baselines' too, takes the run's teacher's soft
   * labels; only for a run whose method has a teacher, while the worker still holds it; EvalConfig.relabel).
   */
  labels?: 'hard' | 'soft' | 'teacher';
}

export type EvalArchitecture = 'convnet' | 'mlp';
export const EVAL_ARCHITECTURES: Record<EvalArchitecture, { label: string; hint: string }> = {
  convnet: { label: 'ConvNet-3', hint: 'The protocol’s network: the one the set was distilled with.' },
  mlp: { label: 'MLP', hint: 'Cross-architecture check: an MLP with 2 hidden layers. Does the set still teach a network it was not distilled with?' },
};

/**
 * The evaluation's learning-rate schedule: 'half' (the DC/DSA/DM protocol: lr, then lr/10 from half the epochs on)
 * or 'idc' (IDC's and DREAM's train.py: MultiStepLR ×0.2 at ⌊2E/3⌋ and ⌊5E/6⌋ epochs), a stated variant.
 */
export type EvalLrSchedule = 'half' | 'idc';
export const EVAL_LR_SCHEDULES: Record<EvalLrSchedule, { label: string; caption: string; hint: string }> = {
  half: { label: 'Half (DC, DM)', caption: 'lr ×0.1 at half', hint: 'lr 0.01, ×0.1 from half the epochs on: the protocol of DC, DSA and DM.' },
  idc: { label: 'IDC’s (DREAM)', caption: 'lr ×0.2 at 2/3 and 5/6', hint: 'lr 0.01, ×0.2 at 2/3 and again at 5/6 of the epochs: IDC’s and DREAM’s schedule.' },
};

export const DEFAULT_EVAL_REQUEST: EvalRequest = { epochs: 100, models: 2, testLimit: 0 };

/** Names of the sets an evaluation compares, all at the run's images per class. */
export type EvalSetName = 'distilled' | 'random' | 'herding' | 'kCenter';

export interface EvalProgress {
  set: EvalSetName;
  model: number;
  models: number;
  epoch: number;
  epochs: number;
  /** Fraction of the whole evaluation done, 0..1. */
  fraction: number;
  /**
   * Set on the one event sent after network `model` has been tested (its epoch is the last): that network's test
   * accuracy, 0..1. An evaluation of hours shows each network's number as it is known, not only the mean at the end.
   */
  accuracy?: number;
}

/** Accuracy (0..1) of each set: mean and std over the networks, and each network's. */
export interface EvalReport {
  request: EvalRequest;
  iteration: number;
  ipc: number;
  width: number;
  testImages: number;
  results: Record<EvalSetName, { mean: number; std: number; runs: number[] }>;
}
