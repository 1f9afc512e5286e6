/**
 * Whether the charts' background redraws (the map's placeholder: a new plot, several times an update) are held:
 * from Start until the run's first points are drawn, so they do not stand in the way (ui/Plot.tsx reads it; the
 * controller sets it).
 */
let held = false;
const listeners = new Set<() => void>();

export function backgroundRedrawsHeld(): boolean {
  return held;
}

export function holdBackgroundRedraws(hold: boolean): void {
  held = hold;
  if (!hold) for (const l of listeners) l();
}

/** Calls `fn` whenever the hold is let go. */
export function onBackgroundRelease(fn: () => void): void {
  listeners.add(fn);
}
