/**
 * SRe2L with DWA as a registered method (src/core/methods/method.ts): prepare() trains the BN teacher (or takes it
 * from the cache) and makes each batch's DWA-adjusted teacher; each iteration is Recover.step(); the soft labels
 * (relabel) are the method's learned labels; its readouts are the per-class diversity of the images.
 */
import * as tf from '@tensorflow/tfjs';
import { SRE2L_INFO, sre2lSettings } from '../../../shared/method-info/sre2l';
import type { RunConfig } from '../../../shared/protocol';
import type { ConvNetShape } from '../../nn/convnet';
import { Rng } from '../../rng';
import { type Method, type MethodImpl, type MethodState, datasetKey } from '../method';
import { batchTeachers, Recover, type BatchTeachers, type RecoverConfig } from './sre2l';
import { disposeTeacher, trainTeacher, TEACHER_SGD, type Teacher, type TeacherConfig } from './teacher';

/** The recover step's full configuration for a run. */
export function recoverConfig(config: RunConfig): RecoverConfig {
  const s = sre2lSettings(config);
  return {
    ipc: config.ipc,
    iterations: config.iterations,
    lr: config.lrImages,
    beta1: config.momentum,
    bnWeight: s.bnWeight,
    firstBnMultiplier: s.firstBnMultiplier,
    varWeight: s.varWeight,
    jitter: s.jitter,
    dwa: config.dwa === true,
    rho: s.rho,
    dwaSteps: s.dwaSteps,
    dwaSubset: s.dwaSubset,
    temperature: s.temperature,
  };
}

/** The squeeze step's configuration for a run. */
export function teacherConfig(config: RunConfig): TeacherConfig {
  const s = sre2lSettings(config);
  return { ...TEACHER_SGD, epochs: s.teacherEpochs, imagesPerEpoch: s.teacherImages };
}

/** Everything the teacher depends on (the cache key). */
export function teacherKey(config: RunConfig, net: ConvNetShape): string {
  return JSON.stringify({ teacher: 'bn-convnet', dataset: datasetKey(config), net, ...teacherConfig(config), seed: config.seed });
}

/** A trained teacher as a cache entry (the cache disposes what it evicts). */
interface CachedTeacher {
  teacher: Teacher;
  dispose(): void;
}

/** Seeds of the method's own streams (the teacher's and DWA's subsets), so cached and fresh teachers leave the run's stream alike. */
const TEACHER_SEED = 0x7eac4e;
const DWA_SEED = 0xd3a;

export const sre2l: MethodImpl<'sre2l'> = {
  info: SRE2L_INFO,
  create: ({ net, data, state, config, rng, augment, iteration }): Method => {
    const cfg = recoverConfig(config);
    let owned: Teacher | null = null;
    let batches: BatchTeachers | null = null;
    let recover: Recover | null = null;
    let pending: Float32Array | null = null;
    return {
      get ready() {
        return recover !== null;
      },
      async prepare(cache, onProgress) {
        if (recover) return;
        const key = teacherKey(config, net);
        let t = (cache?.get(key) as CachedTeacher | undefined)?.teacher;
        if (!t) {
          const tc = teacherConfig(config);
          const trained = await trainTeacher(net, data, tc, new Rng(config.seed ^ TEACHER_SEED), (p) =>
            onProgress?.(`training teacher: epoch ${p.epoch} of ${p.epochs}`, p.epoch / p.epochs),
          );
          t = trained;
          const entry: CachedTeacher = { teacher: trained, dispose: () => disposeTeacher(trained) };
          cache?.set(key, entry);
          owned = cache ? null : trained;
        }
        if (cfg.dwa) await onProgress?.(`adjusting the teacher for ${cfg.ipc} batch${cfg.ipc > 1 ? 'es' : ''} (DWA)`, 1);
        batches = batchTeachers(net, t, data, cfg, new Rng(config.seed ^ DWA_SEED));
        recover = new Recover(net, t, batches, state, cfg, rng, iteration, data, augment);
        if (pending) {
          const p = pending;
          tf.tidy(() => recover!.second.assign(tf.tensor4d(p, recover!.second.shape)));
        }
        pending = null;
      },
      step: () => {
        if (!recover) throw new Error('Call prepare() before stepping this run.');
        return recover.step();
      },
      save: async (): Promise<MethodState> => (recover ? { sre2l: { second: (await recover.second.data()) as Float32Array } } : {}),
      load: (s) => {
        if (!s.sre2l || s.sre2l.second.length !== state.images.size) throw new Error('The checkpoint holds no Adam state for this run.');
        pending = s.sre2l.second;
      },
      learnedLabels: async () => {
        if (!recover) return null;
        const soft = recover.softLabels();
        const values = (await soft.data()) as Float32Array;
        soft.dispose();
        return { values, velocity: new Float32Array(values.length) };
      },
      relabeler: () => {
        const r = recover;
        return r ? (x) => r.relabel(x) : null;
      },
      readouts: async () => {
        if (!recover) return {};
        const d = await recover.diversity();
        if (d.length === 0) return {};
        return { diversity: d.reduce((a, b) => a + b, 0) / d.length, ...Object.fromEntries(d.map((v, c) => [`diversity.${c}`, v])) };
      },
      dispose: () => {
        recover?.dispose();
        recover = null;
        if (batches) tf.dispose(batches.owned.flat());
        batches = null;
        if (owned) disposeTeacher(owned);
        owned = null;
      },
    };
  },
};
