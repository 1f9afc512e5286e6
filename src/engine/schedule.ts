/** Learning-rate schedule: linear warm-up, then cosine decay to zero (SimCLR §B.1, after Goyal et al. 2017). */
export function lrAt(step: number, baseLr: number, warmupSteps: number, totalSteps: number): number {
  if (warmupSteps > 0 && step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const t = Math.min(1, Math.max(0, (step - warmupSteps) / decaySteps));
  return 0.5 * baseLr * (1 + Math.cos(Math.PI * t));
}

/**
 * BYOL's target decay rate at step k of K (arXiv 2006.07733, §3.2): τ = 1 − (1 − τ_base)·(cos(πk/K) + 1)/2, from
 * τ_base up to 1; constant τ_base when the cosine schedule is off.
 */
export function emaRateAt(step: number, steps: number, base: number, cosine: boolean): number {
  if (!cosine) return base;
  return 1 - ((1 - base) * (Math.cos((Math.PI * step) / steps) + 1)) / 2;
}
