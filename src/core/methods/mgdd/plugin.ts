/**
 * MGDD as a registered method (src/core/methods/method.ts): prepare() meta-trains the generator (or takes it from
 * the cache: its key has no IPC, so a run at another IPC reuses it) and takes the run's initial set as the
 * generator's input; each iteration is one adaptation step of the generator on this run's task, after which the
 * synthetic set is the generator's output. Its checkpoint field holds the generator, its Adam state and its input;
 * its readouts are what meta-training cost.
 */
import * as tf from '@tensorflow/tfjs';
import { MGDD_INFO, mgddSettings } from '../../../shared/method-info/mgdd';
import type { RunConfig } from '../../../shared/protocol';
import type { ConvNetShape } from '../../nn/convnet';
import { Rng } from '../../rng';
import { type Method, type MethodImpl, type MethodState, datasetKey } from '../method';
import { flattenGenerator, generate, generatorSize, unflattenGenerator, type GeneratorParams, type GeneratorShape } from './generator';
import { adaptStep, disposeAdam, disposeTaskInput, initAdam, metaTrain, taskInput, type AdamState, type MetaConfig, type MetaGenerator, type TaskInput } from './mgdd';

/** KRR's ridge (relative to the mean diagonal of K_ss), kept for the task loss. */
export const MGDD_RIDGE = 0.1;
/** Adam β1 of meta-training's two loops (the run's own adaptation uses the config's momentum). */
export const MGDD_META_BETA1 = 0.9;
/** Seed of meta-training's own stream, so a cached and a fresh generator leave the run's stream alike. */
const META_SEED = 0x3e7a6d;

/** Meta-training's full configuration for a run. */
export function metaConfig(config: RunConfig): MetaConfig {
  const s = mgddSettings(config);
  return {
    tasks: s.metaTasks,
    innerSteps: s.innerSteps,
    innerLr: s.innerLr,
    metaLr: s.metaLr,
    beta1: MGDD_META_BETA1,
    maxIpc: s.maxIpc,
    realPerClass: s.metaReal,
    width: s.genWidth,
    models: s.networks,
    ridge: MGDD_RIDGE,
  };
}

/** Everything the meta-trained generator depends on (the cache key): no IPC, no run learning rate. */
export function generatorKey(config: RunConfig, net: ConvNetShape): string {
  return JSON.stringify({ generator: 'mgdd', dataset: datasetKey(config), net, ...metaConfig(config), seed: config.seed });
}

/** A meta-trained generator as a cache entry (the cache disposes what it evicts). */
interface CachedGenerator {
  meta: MetaGenerator;
  dispose(): void;
}

export const mgdd: MethodImpl<'mgdd'> = {
  info: MGDD_INFO,
  create: ({ net, data, state, config, rng, augment, pick }): Method => {
    const meta = metaConfig(config);
    const g: GeneratorShape = { channels: net.input[2], classes: net.classes, width: meta.width };
    let params: GeneratorParams | null = null;
    let adam: AdamState | null = null;
    let task: TaskInput | null = null;
    let pending: NonNullable<MethodState['mgdd']> | null = null;
    let cost: Record<string, number> = {};
    const show = () => {
      tf.tidy(() => state.images.assign(generate(params!, task!.x0, task!.planes)));
    };
    return {
      get ready() {
        return params !== null;
      },
      async prepare(cache, onProgress) {
        if (params) return;
        const n = state.images.shape[0];
        if (pending) {
          // A resumed run: the checkpoint holds the adapted generator, so meta-training is not redone.
          const p = pending;
          pending = null;
          params = unflattenGenerator(g, p.generator);
          adam = { m: unflattenGenerator(g, p.first), v: unflattenGenerator(g, p.second), t: p.steps };
          const x0 = tf.tensor4d(p.input, state.images.shape);
          task = taskInput(x0, n / net.classes, net.classes);
          x0.dispose();
          cost = { metaTasks: meta.tasks, metaReused: 1 };
          return;
        }
        const key = generatorKey(config, net);
        let m = (cache?.get(key) as CachedGenerator | undefined)?.meta;
        const reused = m !== undefined;
        let owned: MetaGenerator | null = null;
        if (!m) {
          await onProgress?.(`meta-training generator: task 0 of ${meta.tasks}`, 0);
          const trained = await metaTrain(net, data, meta, new Rng(config.seed ^ META_SEED), (p) =>
            onProgress?.(`meta-training generator: task ${p.task} of ${p.tasks}`, p.task / Math.max(1, p.tasks)),
          );
          m = trained;
          if (cache) {
            const entry: CachedGenerator = { meta: trained, dispose: () => tf.dispose(trained.params) };
            cache.set(key, entry);
          } else owned = trained;
        }
        cost = {
          metaTasks: m.tasks,
          metaSeconds: m.seconds,
          metaReused: reused ? 1 : 0,
          ...(Number.isFinite(m.firstLoss) ? { metaLossFirst: m.firstLoss, metaLossLast: m.lastLoss } : {}),
        };
        // The run's own copy: the cached generator stays as meta-training left it.
        params = owned ? owned.params : m.params.map((t) => tf.clone(t));
        adam = initAdam(params);
        task = taskInput(state.images, n / net.classes, net.classes);
        show();
      },
      step: () => {
        if (!params || !adam || !task) throw new Error('Call prepare() before stepping this run.');
        const r = adaptStep(
          net,
          data,
          params,
          adam,
          task,
          { models: meta.models, ridge: meta.ridge, realPerClass: config.realPerClass, lr: config.lrImages, beta1: config.momentum },
          rng,
          pick,
          augment,
        );
        params = r.params;
        show();
        return r.loss;
      },
      save: async (): Promise<MethodState> => {
        if (!params || !adam || !task) return {};
        return {
          mgdd: {
            generator: await flattenGenerator(params),
            first: await flattenGenerator(adam.m),
            second: await flattenGenerator(adam.v),
            steps: adam.t,
            input: (await task.x0.data()) as Float32Array,
          },
        };
      },
      load: (s) => {
        const size = generatorSize(g);
        const c = s.mgdd;
        if (!c || c.generator.length !== size || c.first.length !== size || c.second.length !== size || c.input.length !== state.images.size) {
          throw new Error('The checkpoint holds no generator for this run.');
        }
        pending = c;
      },
      readouts: async () => ({ ...cost }),
      dispose: () => {
        if (params) tf.dispose(params);
        params = null;
        if (adam) disposeAdam(adam);
        adam = null;
        if (task) disposeTaskInput(task);
        task = null;
      },
    };
  },
};
