import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentBatch } from './augment';
import { augParams } from './trainer';
import { ablationAugs, ablationPlan, IMAGE_ABLATION_AUGS, NO_AUGMENTATION, POINT_ABLATION_AUGS } from '../shared/ablation';
import { DEFAULT_CONFIG, runDefaults, validateConfig } from '../shared/config';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('augmentation ablation plan', () => {
  it('has the baseline, each augmentation alone, and each pair once (lower triangle)', () => {
    const plan = ablationPlan({ ...DEFAULT_CONFIG, steps: 999, warmupSteps: 10 }, IMAGE_ABLATION_AUGS, 50);
    const n = IMAGE_ABLATION_AUGS.length;
    expect(plan.length).toBe(1 + n + (n * (n - 1)) / 2);
    expect(plan.map((c) => `${c.row},${c.col}`)).toEqual(['-1,-1', ...Array.from({ length: n }, (_, i) => Array.from({ length: i + 1 }, (__, j) => `${i},${j}`)).flat()]);
    for (const c of plan) {
      expect(c.config).toMatchObject({ steps: 50, evalEvery: 50, warmupSteps: 10, seed: DEFAULT_CONFIG.seed, augment: true });
      expect(validateConfig(c.config).ok).toBe(true);
    }
    // The baseline has every augmentation off; a pair has both patches and nothing else.
    expect(plan[0]!.config).toMatchObject(NO_AUGMENTATION);
    const pair = plan.find((c) => c.row === 4 && c.col === 0)!.config; // blur + crop
    expect(pair).toMatchObject({ ...NO_AUGMENTATION, cropScaleMin: 0.3, blurProb: 1 });
    expect(pair.rotationDeg).toBe(0);
  });

  it('short runs keep the warm-up below their length', () => {
    const plan = ablationPlan({ ...DEFAULT_CONFIG, warmupSteps: 10 }, IMAGE_ABLATION_AUGS, 3);
    expect(plan.every((c) => c.config.warmupSteps === 2)).toBe(true);
  });

  it('points get their own augmentations', () => {
    expect(ablationAugs(runDefaults('simclr', 'spirals'))).toBe(POINT_ABLATION_AUGS);
    expect(ablationAugs(DEFAULT_CONFIG)).toBe(IMAGE_ABLATION_AUGS);
  });

  it('no augmentation gives views equal to the image; each augmentation alone changes them', () => {
    const x = tf.randomUniform([4, 12, 12, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const view = (patch: object) => augmentBatch(x, augParams({ ...DEFAULT_CONFIG, ...NO_AUGMENTATION, ...patch }), 11);
    const same = view({});
    expect(tf.max(tf.abs(tf.sub(same, x))).arraySync()).toBe(0);
    for (const a of IMAGE_ABLATION_AUGS) {
      const v = view(a.patch);
      expect(tf.max(tf.abs(tf.sub(v, x))).arraySync(), a.id).toBeGreaterThan(0.01);
      v.dispose();
    }
    tf.dispose([x, same]);
  });
});
