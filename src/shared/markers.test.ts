import { describe, expect, it } from 'vitest';
import { layoutMarkers, markerExtent, nearestMarker, onCanvas, paintMarkers, type MarkerContext, type MarkerTrace, type PlotArea } from './markers';

const trace = (x: (number | null)[], y: (number | null)[], extra: Partial<MarkerTrace> = {}): MarkerTrace => ({ type: 'scatter', mode: 'markers', x, y, ...extra });

describe('onCanvas', () => {
  it('takes 2-D scatter traces of markers only', () => {
    expect(onCanvas({ mode: 'markers' })).toBe(true); // plotly's default type is scatter
    expect(onCanvas({ type: 'scatter', mode: 'markers' })).toBe(true);
    expect(onCanvas({ type: 'scatter', mode: 'lines' })).toBe(false);
    expect(onCanvas({ type: 'scatter', mode: 'lines+markers' })).toBe(false);
    expect(onCanvas({ type: 'scatter3d', mode: 'markers' })).toBe(false);
    expect(onCanvas({ type: 'scatter' })).toBe(false); // plotly would choose lines or markers by size
  });
});

describe('markerExtent', () => {
  it('pads the extent of the shown points by 5% a side, skipping non-finite coordinates and hidden traces', () => {
    const e = markerExtent([
      trace([0, 10, Number.NaN, null], [-2, 2, 50, 60]),
      trace([100], [100], { visible: 'legendonly' }),
      trace([-100], [-100], { visible: false }),
      { type: 'scatter', mode: 'lines', x: [1000], y: [1000] },
    ]);
    expect(e!.x[0]).toBeCloseTo(-0.5, 12);
    expect(e!.x[1]).toBeCloseTo(10.5, 12);
    expect(e!.y[0]).toBeCloseTo(-2.2, 12);
    expect(e!.y[1]).toBeCloseTo(2.2, 12);
  });
  it('gives a unit range around a single coordinate, and null without points', () => {
    expect(markerExtent([trace([3, 3], [0, 0])])).toEqual({ x: [2.5, 3.5], y: [-0.5, 0.5] });
    expect(markerExtent([trace([], [])])).toBeNull();
    expect(markerExtent([])).toBeNull();
  });
});

const area: PlotArea = { l: 50, t: 30, w: 200, h: 100, x: [0, 10], y: [0, 5] };

describe('layoutMarkers', () => {
  it('maps data to pixels from the plot area’s top left, y up, keeping trace and point indices', () => {
    const layer = layoutMarkers(
      [trace([0, 10, 5], [0, 5, 2.5], { marker: { size: 8, color: '#f00', opacity: 0.5 } }), { mode: 'lines', x: [1], y: [1] }, trace([Number.NaN, 2.5], [1, 1.25])],
      area,
    );
    expect(Array.from(layer.px)).toEqual([0, 200, 100, 50]);
    expect(Array.from(layer.py)).toEqual([100, 0, 50, 75]);
    expect(Array.from(layer.curve)).toEqual([0, 0, 0, 2]); // the lines trace is plotly's; its index still counts
    expect(Array.from(layer.point)).toEqual([0, 1, 2, 1]); // the NaN point is skipped, not renumbered
    expect(Array.from(layer.radius)).toEqual([4, 4, 4, 3]); // marker.size is a diameter; plotly's default is 6
    expect(layer.styles).toEqual([
      { color: '#f00', opacity: 0.5, from: 0, to: 3 },
      { color: '#1f77b4', opacity: 1, from: 3, to: 4 },
    ]);
  });
  it('follows a reversed axis', () => {
    const layer = layoutMarkers([trace([10, 2], [0, 1])], { ...area, x: [10, 0], y: [5, 0] });
    expect(Array.from(layer.px, (v) => v + 0)).toEqual([0, 160]); // + 0: -0 is 0 here
    expect(Array.from(layer.py, (v) => v + 0)).toEqual([0, 20]);
  });
});

describe('paintMarkers', () => {
  it('paints one path per trace with its colour and opacity, scaled and moved, and skips invisible ones', () => {
    const calls: string[] = [];
    const ctx = {
      fillStyle: '',
      globalAlpha: 1,
      beginPath: () => calls.push('begin'),
      moveTo: (x: number, y: number) => calls.push(`move ${x},${y}`),
      arc: (x: number, y: number, r: number) => calls.push(`arc ${x},${y} r${r}`),
      fill() {
        calls.push(`fill ${this.fillStyle} ${this.globalAlpha}`);
      },
    };
    const layer = layoutMarkers(
      [trace([0, 10], [0, 5], { marker: { size: 4, color: 'red', opacity: 0.6 } }), trace([5], [0], { marker: { opacity: 0 } }), trace([5], [5], { marker: { size: 2, color: 'blue' } })],
      area,
    );
    paintMarkers(ctx as unknown as MarkerContext, layer, 2, 10, 20);
    expect(calls).toEqual(['begin', 'move 14,220', 'arc 10,220 r4', 'move 414,20', 'arc 410,20 r4', 'fill red 0.6', 'begin', 'move 212,20', 'arc 210,20 r2', 'fill blue 1']);
    expect(ctx.globalAlpha).toBe(1);
  });
});

describe('nearestMarker', () => {
  const layer = layoutMarkers([trace([0, 1, 1.05], [0, 1, 1], { marker: { size: 6 } })], area);
  it('finds the nearest point within its radius and the slack', () => {
    expect(nearestMarker(layer, 2, 98)).toBe(0);
    expect(nearestMarker(layer, 5, 100)).toBe(0); // 5 px away: radius 3 + slack 3
    expect(nearestMarker(layer, 7, 100)).toBe(-1);
    expect(nearestMarker(layer, 7, 100, 5)).toBe(0);
    expect(nearestMarker(layer, 21.2, 80)).toBe(2); // nearer the third point (x 21) than the second (x 20)
  });
  it('prefers the point drawn last where two are as near', () => {
    const twins = layoutMarkers([trace([1], [1]), trace([1], [1])], area);
    expect(nearestMarker(twins, 20, 80)).toBe(1);
  });
  it('finds nothing in an empty layer', () => {
    expect(nearestMarker(layoutMarkers([], area), 0, 0)).toBe(-1);
  });
});
