/**
 * The page's drawing flag (shared/pageBusy.ts): raised while a chart redraws (ui/Plot.tsx) and lowered after the
 * frame that follows, which lays out and paints the change. The map worker gives way while it is up.
 */
import { makePageBusyFlag, setFlag } from '../shared/pageBusy';

export const drawingFlag = makePageBusyFlag();
let generation = 0;

export function drawingStarts(): void {
  generation++;
  setFlag(drawingFlag, true);
}

/** Lowers the flag after the next frame, unless another redraw has started since. */
export function drawingEnds(): void {
  const g = generation;
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (g === generation) setFlag(drawingFlag, false);
    }, 0),
  );
}
