/**
 * The "What is happening" panel's text: a few plain sentences per method and technique, for someone reading it
 * out to a room. Plain data; accurate to docs/algorithms.md and the engine (src/core/methods, src/core/select).
 */
import { drawsRealBatches, METHOD_IDS, methodInfo, type InitId, type MethodId, type SamplerId } from '../../shared/methods';
import type { MethodLesson, TechniqueLesson } from '../../shared/method-info/types';
import type { RunConfig } from '../../shared/protocol';

export type { MethodLesson } from '../../shared/method-info/types';

/** Each method's lesson, from its descriptor (src/shared/method-info/<id>.ts). */
export const METHOD_LESSONS: Record<MethodId, MethodLesson> = Object.fromEntries(METHOD_IDS.map((id) => [id, methodInfo(id).lesson])) as Record<MethodId, MethodLesson>;

export type { TechniqueLesson } from '../../shared/method-info/types';

export const SEQMATCH_LESSON: TechniqueLesson = {
  title: 'Sequential subsets (SeqMatch)',
  text: 'Each class’s synthetic images are split into K subsets, learnt one after another: the first subset for the first share of the iterations, then it is frozen and the next one learns, matched together with the frozen ones. Images learnt together tend to capture the same easy features; learnt in turn, the later ones pick up what the earlier ones could not.',
};

/** The lessons of every method's options (e.g. learned labels), from the descriptors' toggles. */
export const TOGGLE_LESSONS: TechniqueLesson[] = METHOD_IDS.flatMap((id) => (methodInfo(id).toggles ?? []).flatMap((t) => (t.lesson ? [t.lesson] : [])));

export const DSA_LESSON: TechniqueLesson = {
  title: 'DSA: the same augmentation on both sides',
  text: 'Before each comparison one random augmentation is drawn (a colour change, crop, cutout, scale or rotation, and flips except on MNIST) and applied with the same parameters to the real batch and to the synthetic images. The synthetic images must then match the real ones under many views, not just one.',
};

export const INIT_LESSONS: Record<InitId, TechniqueLesson> = {
  real: {
    title: 'Initialisation: random real images',
    text: 'The synthetic images start as real images picked at random, IPC per class, so the first grid already looks like the dataset.',
  },
  noise: {
    title: 'Initialisation: noise',
    text: 'The synthetic images start as random noise: whatever they come to show, the method put there.',
  },
  kmeans: {
    title: 'Initialisation: k-means centres (DREAM)',
    text: 'Per class, the real images are grouped into IPC clusters by their features under a random network, and the real image nearest each cluster centre is a starting image: one typical example of each kind of image in the class.',
  },
  importance: {
    title: 'Initialisation: importance sampling',
    text: 'The starting images are drawn by sensitivity, each image’s share of a k-means loss on network features (ridge leverage for KRR) plus a share for being in a small cluster. Outliers and rare styles are picked more often, near-duplicates rarely twice. Measured here, the plain draw is no better than random real images at one per class; the coreset variant is.',
  },
};

export const SAMPLER_LESSONS: Record<SamplerId, TechniqueLesson> = {
  uniform: {
    title: 'Real batches: uniform',
    text: 'Every iteration, each class’s real batch is a fresh uniform random draw, as in the papers.',
  },
  importance: {
    title: 'Real batches: selective (importance)',
    text: 'Every R iterations a probe network is trained on the current synthetic images and every candidate real image is scored by the probe’s loss on it. Batches are drawn with probability α × its share of the loss + (1 − α) × uniform, so images the synthetic set does not explain yet come up more often.',
  },
  dream: {
    title: 'Real batches: representative (DREAM)',
    text: 'Every R iterations, per class, k-means clusters the real images on the probe network’s features, one cluster per batch image, and the batch is the image nearest each centre. The batch then covers the whole class, typical and unusual images alike, instead of a random handful. DREAM’s paper reports the same accuracy in several times fewer iterations (with gradient matching); compare it with uniform here.',
  },
};



/** The lessons that apply to a configuration: its method, then DSA, the init and the sampler it uses. */
export function lessonsFor(config: RunConfig): { method: MethodLesson; techniques: TechniqueLesson[] } {
  const techniques: TechniqueLesson[] = [];
  if (config.dsa) techniques.push(DSA_LESSON);
  // The method's options that are on (e.g. learned labels), each with its lesson.
  for (const t of methodInfo(config.method).toggles ?? []) {
    if (t.lesson && (config as unknown as Record<string, unknown>)[t.key] === t.on) techniques.push(t.lesson);
  }
  if (methodInfo(config.method).sequential && (config.seqSubsets ?? 1) > 1) techniques.push(SEQMATCH_LESSON);
  techniques.push(INIT_LESSONS[config.init]);
  // A method that draws no real batches while distilling (MTT) has no sampler lesson.
  if (drawsRealBatches(config.method)) techniques.push(SAMPLER_LESSONS[config.sampler ?? 'uniform']);
  return { method: METHOD_LESSONS[config.method], techniques };
}
