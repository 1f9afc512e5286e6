import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../shared/config';
import { loadDatasetFromDisk } from './nodeData';
import { viewPairs } from './preview';

describe('view pairs for the inspector', () => {
  const ds = loadDatasetFromDisk('digits');

  it('returns N originals and two views of each, as bytes, the same for the same seed', async () => {
    const a = await viewPairs(ds, DEFAULT_CONFIG, 6, 3);
    expect(a.count).toBe(6);
    for (const k of ['original', 'view1', 'view2'] as const) expect(a[k].length).toBe(6 * 8 * 8);
    const b = await viewPairs(ds, DEFAULT_CONFIG, 6, 3);
    expect(Array.from(b.view1)).toEqual(Array.from(a.view1));
    // The two views differ from each other (different augmentation seeds).
    expect(a.view1.some((v, i) => v !== a.view2[i])).toBe(true);
    // Another seed picks other images.
    const c = await viewPairs(ds, DEFAULT_CONFIG, 6, 4);
    expect(Array.from(c.original)).not.toEqual(Array.from(a.original));
  });

  it('with augmentation off both views are the original', async () => {
    const p = await viewPairs(ds, { ...DEFAULT_CONFIG, augment: false }, 4, 1);
    expect(Array.from(p.view1)).toEqual(Array.from(p.original));
    expect(Array.from(p.view2)).toEqual(Array.from(p.original));
  });

  it('with only a flip, each view is its original mirrored or unchanged', async () => {
    const cfg = { ...DEFAULT_CONFIG, cropScaleMin: 1, rotationDeg: 0, contrast: 0, blurProb: 0, noiseStd: 0, flipProb: 1 };
    const p = await viewPairs(ds, cfg, 3, 2);
    // Crop with scale 1 still varies the aspect ratio (3/4–4/3), so compare a flip of the aspect-free case instead.
    const flat = await viewPairs(ds, { ...cfg, flipProb: 0 }, 3, 2);
    for (let i = 0; i < 3; i++) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          expect(p.view1[i * 64 + y * 8 + x]).toBe(flat.view1[i * 64 + y * 8 + (7 - x)]);
        }
      }
    }
  });
});
