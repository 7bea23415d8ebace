/**
 * A distillation run: the synthetic set, the method's state and the iteration counter, stepped one
 * iteration at a time. The same object serves the worker, Node tests, the CLI and the benches; only the
 * driver around it differs. It owns its tensors: call `dispose()`.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig, ImageGrid } from '../../shared/protocol';
import type { RealData } from '../data/batches';
import type { ConvNetShape } from '../nn/convnet';
import { INITIALISERS, type InitialSet } from '../init';
import { createSyntheticState, disposeSyntheticState, dmStep, type DrawAugment, type SyntheticState } from '../methods/dm/dm';
import { applyDsa, drawDsa, DSA_DEFAULT_STRATEGY } from '../augment/dsa';
import { DcMethod, DC_DEFAULTS } from '../methods/dc/dc';
import { krrStep, KRR_DEFAULTS } from '../methods/krr/krr';
import { imagesToGrid } from '../render';
import { Rng } from '../rng';

export class DistillRun {
  readonly config: RunConfig;
  readonly net: ConvNetShape;
  readonly initial: InitialSet;
  private readonly data: RealData;
  private readonly rng: Rng;
  private readonly state: SyntheticState;
  private readonly stepFn: () => tf.Scalar;
  private readonly shape: readonly [number, number, number];
  /** Iterations completed so far. */
  iteration = 0;

  constructor(data: RealData, config: RunConfig) {
    this.config = config;
    this.data = data;
    this.rng = new Rng(config.seed);
    this.shape = [data.set.height, data.set.width, data.set.channels];
    this.net = { input: this.shape, classes: data.numClasses, width: config.width, depth: config.depth };
    this.initial = INITIALISERS[config.init](data, config.ipc, this.rng.fork());
    this.state = createSyntheticState(this.initial.pixels, data.numClasses * config.ipc, this.shape);
    const augment = config.dsa ? this.dsa() : undefined;
    switch (config.method) {
      case 'dm':
        this.stepFn = () => dmStep(this.net, this.data, this.state, this.config, this.rng, undefined, augment);
        break;
      case 'dc': {
        const dc = new DcMethod(this.net, data, this.state, { ...DC_DEFAULTS, ...config }, this.rng, augment);
        this.stepFn = () => dc.step();
        break;
      }
      case 'krr': {
        const cfg = { ...KRR_DEFAULTS, ...config };
        this.stepFn = () => krrStep(this.net, this.data, this.state, cfg, this.rng, augment);
        break;
      }
    }
  }

  /** DSA with the reference strategy; no flips for MNIST, whose digits are not mirror-symmetric. */
  private dsa(): DrawAugment {
    const [height, width] = this.shape;
    const flip = this.config.dataset !== 'mnist';
    return () => {
      const p = drawDsa(this.rng, DSA_DEFAULT_STRATEGY, { height, width, flip });
      return (x) => applyDsa(x, p);
    };
  }

  /** Runs one iteration; returns its loss as a scalar tensor the caller must dispose (read it lazily). */
  step(): tf.Scalar {
    const loss = this.stepFn();
    this.iteration++;
    return loss;
  }

  /** The current synthetic pixels (NHWC, class-major, normalised). */
  async pixels(): Promise<Float32Array> {
    return (await this.state.images.data()) as Float32Array;
  }

  /** The synthetic set as an RGBA grid, one row per class. */
  async grid(): Promise<ImageGrid> {
    return this.toGrid(await this.pixels());
  }

  /** The initial synthetic set as an RGBA grid. */
  initialGrid(): ImageGrid {
    return this.toGrid(this.initial.pixels);
  }

  private toGrid(pixels: Float32Array): ImageGrid {
    return imagesToGrid(pixels, this.shape, this.data.numClasses, this.config.ipc, this.data);
  }

  dispose(): void {
    disposeSyntheticState(this.state);
  }
}
