import { describe, expect, it } from 'vitest';
import { fillGaussian, normalQuantile } from './rng';

describe('normalQuantile', () => {
  it("matches scipy.stats.norm.ppf within Acklam's relative error (1.2e-9) from the far tails to the centre", () => {
    // scipy (Debian's python3-scipy): norm.ppf(p) for each p.
    const ref: [number, number][] = [
      [1e-9, -5.9978070150076865],
      [1e-6, -4.753424308822899],
      [0.001, -3.090232306167813],
      [0.02, -2.053748910631823],
      [0.1, -1.2815515655446004],
      [0.3, -0.5244005127080409],
      [0.5, 0],
      [0.8, 0.8416212335729143],
      [0.975, 1.959963984540054],
      [0.99, 2.3263478740408408],
      [1 - 1e-7, 5.199337582290661],
    ];
    for (const [p, x] of ref) expect(Math.abs(normalQuantile(p) - x), `p = ${p}`).toBeLessThanOrEqual(1.2e-9 * Math.abs(x) + 1e-12);
  });
});

describe('fillGaussian', () => {
  const n = 400_000;
  const draws = fillGaussian(new Float32Array(n), 0.1, 7);

  it('draws N(0, std²): mean, variance and the CDF at standard points', () => {
    let sum = 0;
    let sq = 0;
    for (const v of draws) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / n;
    // Standard errors: 0.1/√n = 1.6e-4 for the mean, 0.01·√(2/n) = 2.2e-5 for the variance.
    expect(Math.abs(mean)).toBeLessThan(8e-4);
    expect(Math.abs(sq / n - mean * mean - 0.01)).toBeLessThan(1.2e-4);
    // Φ(x) at x = −2, −1, 0, 0.5, 1.6449 (scipy norm.cdf), against the fraction of draws below 0.1·x.
    const cdf: [number, number][] = [[-2, 0.022750131948179195], [-1, 0.15865525393145707], [0, 0.5], [0.5, 0.6914624612740131], [1.6449, 0.9500048]];
    for (const [x, p] of cdf) {
      const below = draws.reduce((k, v) => k + (v < 0.1 * x ? 1 : 0), 0) / n;
      // 5 standard errors of a binomial fraction, plus the grid's 1/2¹⁶.
      expect(Math.abs(below - p), `x = ${x}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 2 ** -16);
    }
  });

  it('gives independent draws: no correlation between neighbours', () => {
    let c = 0;
    for (let i = 1; i < n; i++) c += draws[i]! * draws[i - 1]!;
    // Correlation ~ N(0, 1/n): 5 standard errors.
    expect(Math.abs(c / (n - 1) / 0.01)).toBeLessThan(5 / Math.sqrt(n));
  });

  it('is reproducible from its seed, and another seed gives other draws', () => {
    expect(fillGaussian(new Float32Array(1000), 0.1, 7)).toEqual(draws.subarray(0, 1000));
    const other = fillGaussian(new Float32Array(1000), 0.1, 8);
    expect(other.filter((v, i) => v === draws[i]).length).toBeLessThan(50);
  });
});
