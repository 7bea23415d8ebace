/**
 * The "What is happening" panel's text: a few plain sentences per method and technique, for someone reading it
 * out to a room. Plain data; accurate to docs/algorithms.md and the engine (src/core/methods, src/core/select).
 */
import type { InitId, MethodId, SamplerId } from '../../shared/methods';
import type { RunConfig } from '../../shared/protocol';

export interface MethodLesson {
  title: string;
  /** One sentence: the idea. */
  idea: string;
  /** What one iteration does, step by step: a bold lead word and the sentence after it. */
  steps: [string, string][];
}

export const METHOD_LESSONS: Record<MethodId, MethodLesson> = {
  dm: {
    title: 'Distribution matching (DM)',
    idea: 'Make the synthetic images of each class look, on average, like the real ones through the eyes of many random networks.',
    steps: [
      ['Start', 'from a few real images per class (shown as Initial).'],
      ['Embed', 'a batch of real images and the synthetic ones with a freshly randomised ConvNet, a new one every iteration; it is never trained.'],
      ['Match:', 'nudge the synthetic pixels so each class’s mean embedding moves towards the real one. The loss is the squared distance between them, summed over the classes.'],
    ],
  },
  dc: {
    title: 'Gradient matching (DC)',
    idea: 'Make the synthetic images teach a network the same lesson as the real ones: the same push on its weights.',
    steps: [
      ['Start', 'from a few real images per class and a fresh random ConvNet.'],
      ['Compare gradients:', 'for each class, the weight gradients a batch of real images gives the network, and those the synthetic images give it.'],
      ['Match:', 'change the synthetic pixels so their gradients point the same way as the real ones (the loss sums 1 − cosine over the layers), then train the network a little on the synthetic set and repeat. It differentiates a gradient, so it is slower than DM.'],
    ],
  },
  krr: {
    title: 'Kernel ridge regression (KRR)',
    idea: 'Make the synthetic set a good “answer key”: from it alone, a simple regression should predict the labels of real images.',
    steps: [
      ['Start', 'from a few real images per class.'],
      ['Describe', 'every image by the features of a few freshly randomised ConvNets: similar images get similar features (a kernel).'],
      ['Fit:', 'predict the labels of a real batch by kernel ridge regression from the synthetic images alone, and change the synthetic pixels so that the prediction error (the loss) falls. No network is trained.'],
    ],
  },
  mtt: {
    title: 'Trajectory matching (MTT)',
    idea: 'Make a few training steps on the synthetic images carry a network as far as several epochs on the real ones did.',
    steps: [
      ['Experts:', 'first train a few networks on the real images, saving their weights after every epoch (the progress bar shows this before iteration 1).'],
      ['Student:', 'from an expert’s weights at some epoch, take N training steps on the synthetic images alone, keeping every step differentiable.'],
      ['Match:', 'change the synthetic pixels (and the student’s step size) so the student lands where the expert was M epochs later. The loss is that distance relative to how far the expert moved.'],
    ],
  },
};

export interface TechniqueLesson {
  title: string;
  text: string;
}

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

export const DC_REAL_NET_LESSON: TechniqueLesson = {
  title: 'Matching network trained on real images (IDC)',
  text: 'The network whose gradients are compared is not thrown away after each iteration and is not trained on the synthetic images: after every image update it takes a few training steps on real images of all classes, so the synthetic images are matched against a network that is learning the real task, as a network trained on them later will. Every 100 iterations it starts again from random weights.',
};

export const LEARNED_LABELS_LESSON: TechniqueLesson = {
  title: 'Learned labels (KRR)',
  text: 'Each synthetic image’s regression target is learnt too, starting from its class’s one-hot vector, so one image can stand for a blend of classes (as KIP and RFAD do). Evaluation trains on the class labels unless you choose Labels: Soft in Evaluate (a stated variant: report the class-label number beside it).',
};

/** The lessons that apply to a configuration: its method, then DSA, the init and the sampler it uses. */
export function lessonsFor(config: RunConfig): { method: MethodLesson; techniques: TechniqueLesson[] } {
  const techniques: TechniqueLesson[] = [];
  if (config.dsa) techniques.push(DSA_LESSON);
  if (config.method === 'krr' && config.learnLabels) techniques.push(LEARNED_LABELS_LESSON);
  if (config.method === 'dc' && config.dcNet === 'real') techniques.push(DC_REAL_NET_LESSON);
  techniques.push(INIT_LESSONS[config.init]);
  // MTT draws no real batches while distilling.
  if (config.method !== 'mtt') techniques.push(SAMPLER_LESSONS[config.sampler ?? 'uniform']);
  return { method: METHOD_LESSONS[config.method], techniques };
}
