import { describe, expect, it } from 'vitest';
import { decimate } from './decimate';

describe('decimate', () => {
  it('returns short series as they are', () => {
    const x = [1, 2, 3];
    const y = [4, 5, 6];
    const r = decimate(x, [y], 3);
    expect(r.x).toBe(x);
    expect(r.ys[0]).toBe(y);
  });

  it('keeps every k-th point and the last, at most max + 1, the series aligned', () => {
    const x = Array.from({ length: 10_001 }, (_, i) => i + 1);
    const y = x.map((v) => v * 2);
    const r = decimate(x, [y, x], 2000);
    expect(r.x.length).toBeLessThanOrEqual(2001);
    expect(r.x[0]).toBe(1);
    expect(r.x[r.x.length - 1]).toBe(10_001);
    expect(r.x.slice(0, 3)).toEqual([1, 7, 13]); // stride ⌈10001 / 2000⌉ = 6
    r.x.forEach((v, i) => {
      expect(r.ys[0]![i]).toBe(2 * v);
      expect(r.ys[1]![i]).toBe(v);
    });
  });
});
