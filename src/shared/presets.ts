/**
 * Named starting points for the page: each a whole run configuration (valid under `runConfigSchema`) that goes
 * to the controls and the link as it is, every setting still editable afterwards. Small overrides of the
 * defaults, as nanoGPT's configs are. Plain data: the app, the worker and Node may all import it.
 */
import { completeConfig } from './config';
import { METHODS, MTT_SETTINGS_DEFAULTS, SAMPLER_SETTINGS_DEFAULTS } from './methods';
import { DEFAULT_RUN_CONFIG, type RunConfig } from './protocol';

export interface Preset {
  id: string;
  label: string;
  /** What it shows and what to do with it, in a sentence or two (shown under the picker). */
  summary: string;
  config: RunConfig;
}

const base: RunConfig = { ...DEFAULT_RUN_CONFIG, dataset: 'mnist' };

export const PRESETS: readonly Preset[] = [
  {
    id: 'dm-mnist-10',
    label: 'DM on MNIST, 10 per class',
    summary:
      'Distribution matching, the quickest method: 200 iterations at width 32. Evaluate afterwards to see it beside random real images.',
    config: { ...base, method: 'dm', ipc: 10, iterations: 200 },
  },
  {
    id: 'dc-dsa-mnist-1',
    label: 'DC with DSA on MNIST, 1 per class',
    summary:
      'Gradient matching with siamese augmentation at one image per class: each outer iteration a fresh network and one image update (the paper’s setting at IPC 1). Slower per iteration than DM.',
    config: { ...base, method: 'dc', ...METHODS.dc.defaults, ipc: 1, iterations: 100, dsa: true },
  },
  {
    id: 'dream-dm',
    label: 'DREAM batches vs uniform (DM)',
    summary:
      'DM whose real batches are DREAM’s k-means representatives. Evaluate at the end, then pick “Uniform batches, same settings” and evaluate again: only the batches differ.',
    config: { ...base, method: 'dm', ipc: 10, iterations: 200, init: 'kmeans', initFeatures: 'embed', initPool: 1000, sampler: 'dream', samplerSettings: { ...SAMPLER_SETTINGS_DEFAULTS } },
  },
  {
    id: 'uniform-dm',
    label: 'Uniform batches, same settings (DM)',
    summary: 'The baseline for the DREAM preset: the same seed, init and iterations, with uniformly drawn real batches.',
    config: { ...base, method: 'dm', ipc: 10, iterations: 200, init: 'kmeans', initFeatures: 'embed', initPool: 1000, sampler: 'uniform' },
  },
  {
    id: 'importance-init-1',
    label: 'Importance init at IPC 1',
    summary:
      'One image per class, chosen by sensitivity sampling before DM starts. The Initial grid shows what was picked; try “Coreset, then k-means” as the draw to compare.',
    config: { ...base, method: 'dm', ipc: 1, iterations: 200, init: 'importance', initFeatures: 'embed', initPool: 1000, initDraw: 'sample' },
  },
  {
    id: 'krr-quick',
    label: 'KRR quick look',
    summary: 'Kernel ridge regression on random-network features: 50 iterations, 10 per class. Its loss is a prediction error, so it falls steadily.',
    config: { ...base, method: 'krr', ...METHODS.krr.defaults, ipc: 10, iterations: 50 },
  },
  {
    id: 'mtt-small',
    label: 'MTT small N',
    summary:
      'Trajectory matching with 4 student steps: two experts train on real images first (the progress bar shows it), then 100 iterations at 1 per class.',
    config: { ...base, method: 'mtt', ...METHODS.mtt.defaults, ipc: 1, iterations: 100, mtt: { ...MTT_SETTINGS_DEFAULTS, syntheticSteps: 4 } },
  },
  {
    id: 'best-ipc-1',
    label: 'Best at 1 per class',
    summary:
      "The best recipe of bench/results/moonshot.md (MNIST after 1,000 iterations: 96.1 % under IDC's evaluation, 1,000 epochs with DSA + CutMix; 93.7 % under 300 epochs without augmentation): DM with multi-formation (IDC, factor 2: each stored image is 4 tiles, each a training image), tiles started from k-means-chosen real images, width 128, 128 real images per class, no DSA while distilling. About an hour on a 2-core CPU; minutes on a GPU.",
    config: { ...base, method: 'dm', ...METHODS.dm.defaults, ipc: 1, iterations: 1000, width: 128, realPerClass: 128, init: 'kmeans', dsa: false, factor: 2 },
  },
  {
    id: 'dm-cifar-10',
    label: 'DM on CIFAR-10, 10 per class',
    summary: 'Colour photos are harder: the same DM run on CIFAR-10. Expect blurry, class-coloured images and a larger gap to the full dataset.',
    config: { ...base, dataset: 'cifar-10', method: 'dm', ipc: 10, iterations: 200 },
  },
];

/** A configuration in a canonical form (defaults filled in, keys sorted) for comparing two of them. */
function canonical(config: RunConfig): string {
  const sort = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, x]) => [k, sort(x)]),
        )
      : v;
  return JSON.stringify(sort(completeConfig(config)));
}

/** The preset a configuration is exactly (every setting that applies equal), or null when it is the user's own. */
export function presetOf(config: RunConfig): Preset | null {
  const c = canonical(config);
  return PRESETS.find((p) => canonical(p.config) === c) ?? null;
}

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}
