/** The configuration of a run as it crosses the worker boundary (src/shared/protocol.ts), links and run records. */
import type { RunDatasetId } from '../core/data/types';
import type { DmPoolSettings, InitDraw, InitId, MethodId, MgddSettings, MttSettings, SamplerId, SamplerSettings, Sre2lSettings } from './methods';

/** The configuration of one distillation run (the skeleton's subset; the engine issue extends it). */
export interface RunConfig {
  /** A built-in dataset, or 'custom': the one uploaded in the page (a link to it cannot load it by itself). */
  dataset: RunDatasetId;
  /** With 'custom': the uploaded set's fingerprint (datasetSha256 in src/core/data/own.ts), so a record says which data it used. */
  datasetSha256?: string;
  method: MethodId;
  /** Synthetic images per class. */
  ipc: number;
  iterations: number;
  /** ConvNet channels per layer (128 in the papers) and number of conv blocks (3). */
  width: number;
  depth: number;
  /** Real images drawn per class each iteration. */
  realPerClass: number;
  /** SGD on the synthetic pixels. */
  lrImages: number;
  momentum: number;
  /**
   * The first synthetic set: random real images, noise, DREAM's k-means centres' nearest images, or importance
   * (sensitivity) sampling; the last two look at features (`initFeatures`) of up to `initPool` images per class.
   */
  init: InitId;
  initFeatures?: 'embed' | 'pixels';
  initPool?: number;
  /** Importance init: the IPC images drawn by π ('sample', the default) or the coreset variant. */
  initDraw?: InitDraw;
  /** How each class's real batch is drawn (default uniform), and the settings of the non-uniform ones. */
  sampler?: SamplerId;
  samplerSettings?: SamplerSettings;
  /** Differentiable siamese augmentation of the real and synthetic batches (one draw shared by both). */
  dsa: boolean;
  seed: number;
  /** MTT's settings (used when method is 'mtt'; MTT_SETTINGS_DEFAULTS when absent). */
  mtt?: MttSettings;
  /**
   * KRR only: learn the synthetic set's regression targets with its pixels (KIP/RFAD's learned labels), from the
   * centred one-hot labels, by SGD at `lrLabels`. Absent: false.
   */
  learnLabels?: boolean;
  /**
   * KRR with learned labels only: the learning rate of the labels' SGD (the pixels' is lrImages). Absent (runs,
   * links and records from before this field): lrImages, the one SGD both shared then. Other configs leave it out.
   */
  lrLabels?: number;
  /**
   * Multi-formation (IDC) for DM, DC and KRR: each stored image decodes into f² training images (an f×f grid of
   * tiles, each upsampled back to full size, same label). 1 (or absent) = off; 2 is the paper's value. With the
   * 'real' init the tiles start as f² downscaled real images of the class. Evaluation trains on the decoded set.
   */
  factor?: number;
  /**
   * DC only: what the network on which gradients are matched is trained on between image updates. 'synthetic'
   * (or absent): DC's, a fresh network every iteration trained on the synthetic set. 'real': IDC's (Kim et al.
   * 2022), a network trained on real batches after every image update, kept across iterations and re-initialised
   * every 100.
   */
  dcNet?: 'synthetic' | 'real';
  /**
   * DC only: the gradient distance. 'cos' (or absent): DC's layer-wise Σ(1 − cos). 'l1': IDC's (its code's
   * default), Σ|g_real − g_syn| over the convolutions' weights, no biases or dense layer; it wants a far
   * smaller image learning rate than DC's 0.1 (IDC's own runs: 1e-4 × IPC/10 on MNIST, 1e-5 at IPC 1).
   */
  dcDistance?: 'cos' | 'l1';
  /**
   * SeqMatch (Du et al. 2023) for the methods whose descriptor allows it (DM, DC): each class's images split into
   * this many subsets, optimised one after another over equal shares of the iterations, each with the earlier
   * ones frozen in the loss. 1 (or absent) = off.
   */
  seqSubsets?: number;
  /** SRe2L's settings (used when method is 'sre2l'; SRE2L_SETTINGS_DEFAULTS when absent). */
  sre2l?: Sre2lSettings;
  /** SRe2L only: DWA's directed weight adjustment of the teacher per batch. Absent: false. */
  dwa?: boolean;
  /** MGDD's settings (used when method is 'mgdd'; MGDD_SETTINGS_DEFAULTS when absent). */
  mgdd?: MgddSettings;
  /**
   * DM only: where the embedding networks come from. 'random' (or absent): DM's, a fresh random network each
   * iteration. 'pool': IDM's (Zhao et al. 2023), networks drawn from a queue trained on real data, plus a
   * cross-entropy term on the synthetic images (settings in `dmPool`).
   */
  dmNet?: 'random' | 'pool';
  /** IDM's pool settings (used when dmNet is 'pool'; DM_POOL_DEFAULTS when absent). */
  dmPool?: DmPoolSettings;
  /**
   * Where the fresh random networks a method draws while distilling (DM's each iteration, DC's, KRR's, IDM's
   * pool's) get their weights (src/core/nn/draw.ts). 'device': made on the device from a small uploaded table
   * (new runs). 'host', or absent (runs, links and records from before this field): tfjs's seeded generator in
   * JavaScript, every weight uploaded. The two give different bytes; each is deterministic.
   */
  netDraw?: 'host' | 'device';
}

export const DEFAULT_RUN_CONFIG: RunConfig = {
  dataset: 'mnist',
  method: 'dm',
  ipc: 10,
  iterations: 200,
  width: 32,
  depth: 3,
  realPerClass: 64,
  lrImages: 1,
  momentum: 0.5,
  init: 'real',
  dsa: true,
  seed: 0,
  netDraw: 'device',
};
