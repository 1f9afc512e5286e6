/**
 * Built-in lessons: a link a teacher can hand out that opens a small, fast experiment (MNIST, a few hundred
 * steps), with the controls that do not matter to it hidden, what the paper found, and what to watch.
 */
import { runDefaults, DEFAULT_CONFIG, type TrainConfig } from './config';
import { planSweep, type SweepAxis, type SweepPlan } from './sweep';

/** One lesson: an experiment, the finding it reproduces, and where to look. */
export interface Lesson {
  id: string;
  title: string;
  /** What the paper found, in plain words, citing it. */
  finding: string;
  /** Changes to the defaults of the patch's method and dataset. */
  patch: Partial<TrainConfig>;
  /** For the sweep lessons: the axes to sweep, on top of the patched config. */
  sweep?: { axes: SweepAxis[] };
  /** Controls a teacher would hide (ids from share.ts's HIDEABLE). */
  hidden: string[];
  /** What to look at while it runs. */
  watch: string;
}

/** Short and cheap: 200 steps on MNIST, evaluated four times, no probes unless the lesson needs them. */
const FAST: Partial<TrainConfig> = { dataset: 'mnist', steps: 200, warmupSteps: 10, evalEvery: 50, probes: false };

/** The lessons, in the order the lesson menu lists them. */
export const LESSONS: readonly Lesson[] = [
  {
    id: 'temperature',
    title: 'Temperature τ',
    finding:
      'SimCLR (arXiv 2002.05709, Table 5) trained with its NT-Xent loss at τ from 0.05 to 1. With ℓ2-normalised ' +
      'outputs the linear probe was best at τ = 0.1 and worse both below and above it: a small τ puts all the ' +
      'weight on the hardest negatives, a large one treats all negatives alike. Without the normalisation the ' +
      'contrastive task was solved more often, yet the features were worse.',
    patch: { ...FAST, method: 'simclr' },
    sweep: { axes: [{ key: 'temperature', values: [0.05, 0.1, 0.2, 0.5, 1] }] },
    hidden: ['section.model', 'section.optim', 'section.collapse', 'panel.ablation', 'temperature'],
    watch: 'In the sweep panel, the final kNN accuracy and the in-batch accuracy against τ: the best features need not come with the highest in-batch accuracy. The similarity view’s τ slider shows how a small τ concentrates the softmax on the hardest negatives.',
  },
  {
    id: 'no-augmentation',
    title: 'Why augmentation matters',
    finding:
      'SimCLR (arXiv 2002.05709, §3 and Fig. 5) found that the choice and composition of augmentations matter ' +
      'most: crop with colour distortion beat any single augmentation. With no augmentation the two views are ' +
      'the same image, telling them apart from the others is trivial, and the network learns little.',
    patch: { ...FAST, method: 'simclr' },
    sweep: { axes: [{ key: 'augment', values: [false, true] }] },
    hidden: ['section.model', 'section.optim', 'section.collapse', 'augment'],
    watch: 'Without augmentation the loss falls fast and in-batch accuracy nears 1, yet kNN accuracy stays lower than with augmentation. The augmentation ablation, below, goes on to single augmentations and pairs.',
  },
  {
    id: 'collapse',
    title: 'Collapse without stop-gradient',
    finding:
      'SimSiam (arXiv 2011.10566, Fig. 2) trains two views of an image to agree with no negatives at all. Without ' +
      'the stop-gradient the loss drops at once to its minimum of −1, the std of the normalised output falls to 0 ' +
      'and kNN accuracy to chance: every image maps to the same point. With the stop-gradient it learns.',
    // Batch norm on the projector's output holds each dimension's spread up and hides the collapse in short runs.
    patch: { ...FAST, method: 'simsiam', predictor: true, projOutBN: false },
    sweep: { axes: [{ key: 'stopGradient', values: [true, false] }] },
    hidden: ['section.optim', 'section.augment', 'panel.ablation', 'similarity', 'stopGradient'],
    watch: 'The collapse meter: the std of the normalised projection stays near 1/√d with stop-gradient and falls to 0 without it, with the loss pinned at −1.',
  },
  {
    id: 'projection-head',
    title: 'The projection head: h against z',
    finding:
      'SimCLR (arXiv 2002.05709, §4.2, Fig. 8) found that a nonlinear projection head g improves the representation ' +
      'h before it by more than 10% over no head. Yet h, not z = g(h), is the better representation: the loss ' +
      'trains z to ignore what the augmentations change (colour, orientation), while h keeps it (its Table 3).',
    patch: { ...FAST, method: 'simclr', probes: true },
    sweep: { axes: [{ key: 'projection', values: [false, true] }] },
    hidden: ['section.optim', 'section.augment', 'section.collapse', 'panel.ablation', 'projection'],
    watch: 'The evaluation charts: kNN and linear probe on h against on z. With the head, h beats z; without it, z is h.',
  },
  {
    id: 'batch-negatives',
    title: 'Batch size and negatives',
    finding:
      'SimCLR (arXiv 2002.05709, §5.2, Fig. 9) draws its negatives from the batch, and larger batches helped, most ' +
      'in short training. MoCo (arXiv 1911.05722, Fig. 3) decouples the number of negatives from the batch with a ' +
      'queue of K earlier keys, and found accuracy grows with K; try MoCo with a queue sweep next.',
    patch: { ...FAST, method: 'simclr' },
    sweep: { axes: [{ key: 'batchSize', values: [32, 64, 128, 256] }] },
    hidden: ['section.model', 'section.augment', 'section.collapse', 'panel.ablation', 'batchSize'],
    watch: 'In-batch accuracy falls as the batch grows (more candidates to rank the positive among) while kNN accuracy rises. A larger batch also sees more images in the same steps: a part of its gain.',
  },
];

/** The lesson with an id, or undefined. */
export function lessonById(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}

/** The config a lesson opens with: its method's and dataset's defaults, then its patch. */
export function lessonConfig(lesson: Lesson): TrainConfig {
  return { ...runDefaults(lesson.patch.method ?? DEFAULT_CONFIG.method, lesson.patch.dataset ?? DEFAULT_CONFIG.dataset), ...lesson.patch };
}

/** A sweep lesson's plan from a config (the lesson's own, or the user's after changes); null without a sweep. */
export function lessonSweep(lesson: Lesson, base: TrainConfig = lessonConfig(lesson)): SweepPlan | null {
  return lesson.sweep ? planSweep(base, lesson.sweep.axes) : null;
}
