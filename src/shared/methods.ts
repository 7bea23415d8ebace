/**
 * What the UI needs to know about each distillation method: plain data, no TensorFlow.js.
 * The engine's implementations live in src/core/methods/<id>/.
 */
export type MethodId = 'dm' | 'dc' | 'krr';

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
};

export function isMethodId(v: string): v is MethodId {
  return v === 'dm' || v === 'dc' || v === 'krr';
}
