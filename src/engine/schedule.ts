/** Learning-rate schedule: linear warm-up, then cosine decay to zero (SimCLR §B.1, after Goyal et al. 2017). */
export function lrAt(step: number, baseLr: number, warmupSteps: number, totalSteps: number): number {
  if (warmupSteps > 0 && step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const t = Math.min(1, Math.max(0, (step - warmupSteps) / decaySteps));
  return 0.5 * baseLr * (1 + Math.cos(Math.PI * t));
}
