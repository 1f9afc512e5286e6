import { describe, expect, it } from 'vitest';
import { dashPattern, formatValue, growingRange, headroomBound, layoutMarkers, markerExtent, nearestMarker, niceStep, onCanvas, paintMarkers, steadyExtent, steadyRange, tooltipLines, type MarkerContext, type MarkerTrace, type PlotArea } from './markers';
import { colorscaleColor } from './palette';

const trace = (x: (number | null)[], y: (number | null)[], extra: Partial<MarkerTrace> = {}): MarkerTrace => ({ type: 'scatter', mode: 'markers', x, y, ...extra });

describe('onCanvas', () => {
  it('takes 2-D scatter traces of markers, straight lines or both, on x and y or y2', () => {
    expect(onCanvas({ mode: 'markers' })).toBe(true); // plotly's default type is scatter
    expect(onCanvas({ type: 'scatter', mode: 'markers' })).toBe(true);
    expect(onCanvas({ type: 'scatter', mode: 'lines' })).toBe(true);
    expect(onCanvas({ type: 'scatter', mode: 'lines+markers', yaxis: 'y2' })).toBe(true);
    expect(onCanvas({ type: 'scatter', mode: 'lines+markers+text' })).toBe(false);
    expect(onCanvas({ type: 'scatter', mode: 'lines', fill: 'tozeroy' })).toBe(false);
    expect(onCanvas({ type: 'scatter', mode: 'lines', line: { shape: 'spline' } })).toBe(false);
    expect(onCanvas({ type: 'scatter', mode: 'lines', yaxis: 'y3' })).toBe(false);
    expect(onCanvas({ type: 'scatter', mode: 'lines', xaxis: 'x2' })).toBe(false);
    expect(onCanvas({ type: 'scatter3d', mode: 'markers' })).toBe(false);
    expect(onCanvas({ type: 'bar', mode: 'markers' })).toBe(false);
    expect(onCanvas({ type: 'scatter' })).toBe(false); // plotly would choose lines or markers by size
  });
});

describe('markerExtent', () => {
  it('pads the extent of the shown points by 5% a side, skipping non-finite coordinates and hidden traces', () => {
    const e = markerExtent([
      trace([0, 10, Number.NaN, null], [-2, 2, 50, 60]),
      trace([100], [100], { visible: 'legendonly' }),
      trace([-100], [-100], { visible: false }),
      { type: 'scatter', mode: 'text', x: [1000], y: [1000] },
    ]);
    expect(e!.x[0]).toBeCloseTo(-0.5, 12);
    expect(e!.x[1]).toBeCloseTo(10.5, 12);
    expect(e!.y![0]).toBeCloseTo(-2.2, 12);
    expect(e!.y![1]).toBeCloseTo(2.2, 12);
  });
  it('gives a unit range around a single coordinate, and null without points', () => {
    expect(markerExtent([trace([3, 3], [0, 0])])).toEqual({ x: [2.5, 3.5], y: [-0.5, 0.5] });
    expect(markerExtent([trace([], [])])).toBeNull();
    expect(markerExtent([])).toBeNull();
  });
  it('leaves x unpadded where every trace is lines only, as plotly', () => {
    const e = markerExtent([trace([0, 100], [1, 3], { mode: 'lines' })])!;
    expect(e.x).toEqual([0, 100]);
    expect(e.y![0]).toBeCloseTo(0.9, 12);
    expect(e.y![1]).toBeCloseTo(3.1, 12);
    expect(markerExtent([trace([0, 100], [1, 3], { mode: 'lines' }), trace([50], [2])])!.x).toEqual([-5, 105]);
  });
  it("takes 0 in under rangemode 'tozero' (not padding past it) and stops at 0 under 'nonnegative'", () => {
    const lines = [trace([0, 10], [2, 4], { mode: 'lines' })];
    expect(markerExtent(lines, { y: { rangemode: 'tozero' } })!.y).toEqual([0, 4.2]);
    const negative = [trace([0, 10], [-4, -2], { mode: 'lines' })];
    expect(markerExtent(negative, { y: { rangemode: 'tozero' } })!.y).toEqual([-4.2, 0]);
    expect(markerExtent([trace([0, 10], [0, 2], { mode: 'lines' })], { y: { rangemode: 'nonnegative' } })!.y).toEqual([0, 2.1]);
  });
  it('gives the second y axis the extent of its own traces', () => {
    const e = markerExtent([trace([0, 10], [0.1, 0.2], { mode: 'lines' }), trace([5, 10], [3, 13], { mode: 'lines+markers', yaxis: 'y2' })])!;
    expect(e.x).toEqual([-0.5, 10.5]); // the y2 trace has markers: x is padded
    expect(e.y![0]).toBeCloseTo(0.095, 12);
    expect(e.y![1]).toBeCloseTo(0.205, 12);
    expect(e.y2).toEqual([2.5, 13.5]);
    expect(markerExtent([trace([0, 1], [0, 1])])!.y2).toBeUndefined();
  });
});

const area: PlotArea = { l: 50, t: 30, w: 200, h: 100, x: [0, 10], y: [0, 5] };

describe('layoutMarkers', () => {
  it('maps data to pixels from the plot area’s top left, y up, keeping trace and point indices', () => {
    const layer = layoutMarkers(
      [trace([0, 10, 5], [0, 5, 2.5], { marker: { size: 8, color: '#f00', opacity: 0.5 } }), { mode: 'text', x: [1], y: [1] }, trace([Number.NaN, 2.5], [1, 1.25])],
      area,
    );
    expect(Array.from(layer.px)).toEqual([0, 200, 100, 50]);
    expect(Array.from(layer.py)).toEqual([100, 0, 50, 75]);
    expect(Array.from(layer.curve)).toEqual([0, 0, 0, 2]); // the text trace is plotly's; its index still counts
    expect(Array.from(layer.point)).toEqual([0, 1, 2, 1]); // the NaN point is skipped, not renumbered
    expect(Array.from(layer.radius)).toEqual([4, 4, 4, 3]); // marker.size is a diameter; plotly's default is 6
    expect(layer.traces).toEqual([
      { from: 0, to: 3, marker: { color: '#f00', opacity: 0.5, open: false, every: 1 } },
      { from: 3, to: 4, marker: { color: '#1f77b4', opacity: 1, open: false, every: 1 } },
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

describe('canvas lines', () => {
  const line = (x: (number | null)[], y: (number | null)[], extra: Partial<MarkerTrace> = {}) => trace(x, y, { mode: 'lines', ...extra });
  it("places a line's vertices on their own y axis, breaks it at gaps and gives its vertices a hover reach", () => {
    const layer = layoutMarkers([line([0, 2, 4, 6], [0, null, 5, 2.5], { yaxis: 'y2', line: { color: '#0a0', width: 1.5, dash: 'dot' } })], { ...area, y2: [0, 10] });
    expect(Array.from(layer.px)).toEqual([0, 80, 120]);
    expect(Array.from(layer.py)).toEqual([100, 50, 75]); // on y2's 0–10, not y's 0–5
    expect(Array.from(layer.point)).toEqual([0, 2, 3]);
    expect(Array.from(layer.gap)).toEqual([0, 1, 0]); // plotly does not connect gaps
    expect(Array.from(layer.radius)).toEqual([0, 0, 0]);
    expect(Array.from(layer.reach)).toEqual([8, 8, 8]);
    expect(layer.traces).toEqual([{ from: 0, to: 3, line: { color: '#0a0', width: 1.5, dash: [3, 3] } }]);
    // No second axis in the chart: the trace is not drawn.
    expect(layoutMarkers([line([0], [0], { yaxis: 'y2' })], area).px.length).toBe(0);
  });
  it("uses plotly's dash patterns (multiples of the width, at least 3 px)", () => {
    expect(dashPattern('solid', 2)).toEqual([]);
    expect(dashPattern(undefined, 2)).toEqual([]);
    expect(dashPattern('dot', 2)).toEqual([3, 3]);
    expect(dashPattern('dash', 4)).toEqual([12, 12]);
    expect(dashPattern('longdash', 1)).toEqual([15, 15]);
    expect(dashPattern('dashdot', 3)).toEqual([9, 3, 3, 3]);
    expect(dashPattern('longdashdot', 5)).toEqual([25, 10, 5, 10]);
  });
  it('gives lines+markers at most maxdisplayed markers, in the line colour, outlined for -open symbols', () => {
    const layer = layoutMarkers([line(Array.from({ length: 10 }, (_, i) => i), Array.from({ length: 10 }, () => 1), { mode: 'lines+markers', line: { color: '#123456' }, marker: { maxdisplayed: 4, symbol: 'circle-open' } })], area);
    expect(layer.traces[0]!.marker).toEqual({ color: '#123456', opacity: 1, open: true, every: 3 });
    expect(layer.traces[0]!.line).toEqual({ color: '#123456', width: 2, dash: [] }); // plotly's default width
    expect(Array.from(layer.reach)[0]).toBe(8); // a marker of radius 3 on a line: the line's reach
  });
  it('colours markers per point from a list or through a colour scale (cmin and cmax the data range by default)', () => {
    const listed = layoutMarkers([trace([0, 1], [0, 1], { marker: { color: ['#ff0000', '#00ff00'] } })], area);
    expect(listed.traces[0]!.marker!.colors).toEqual(['#ff0000', '#00ff00']);
    const scaled = layoutMarkers([trace([0, 1, 2], [0, 1, 2], { marker: { color: [10, 20, 30], colorscale: 'Viridis' } })], area);
    expect(scaled.traces[0]!.marker!.colors).toEqual([colorscaleColor('Viridis', 0), colorscaleColor('Viridis', 0.5), colorscaleColor('Viridis', 1)]);
  });
  it('paints the line (dashed, broken at gaps) before the markers, one marker path per colour run', () => {
    const calls: string[] = [];
    const ctx = {
      fillStyle: '',
      strokeStyle: '',
      lineWidth: 1,
      lineJoin: 'miter',
      globalAlpha: 1,
      beginPath: () => calls.push('begin'),
      moveTo: (x: number, y: number) => calls.push(`move ${x},${y}`),
      lineTo: (x: number, y: number) => calls.push(`line ${x},${y}`),
      arc: (x: number, y: number, r: number) => calls.push(`arc ${x},${y} r${r}`),
      setLineDash: (d: number[]) => calls.push(`dash ${d.join(',')}`),
      fill() {
        calls.push(`fill ${this.fillStyle}`);
      },
      stroke() {
        calls.push(`stroke ${this.strokeStyle} w${this.lineWidth}`);
      },
    };
    const layer = layoutMarkers(
      [line([0, 2.5, 5, 10], [0, 5, null, 5], { mode: 'lines+markers', line: { color: 'red', width: 1, dash: 'dash' }, marker: { size: 2, color: ['a', 'a', 'b', 'b'] } })],
      area,
    );
    paintMarkers(ctx as unknown as MarkerContext, layer, 2);
    expect(calls).toEqual([
      'dash 18,18', // dash: 3 × max(width, 3), times the scale
      'begin', 'move 0,200', 'line 100,0', 'move 400,0', 'stroke red w2',
      'dash ',
      'begin', 'move 2,200', 'arc 0,200 r2', 'move 102,0', 'arc 100,0 r2', 'fill a',
      'begin', 'move 402,0', 'arc 400,0 r2', 'fill b', // the point after the gap is the trace's fourth: colour 'b'
    ]);
  });
});

describe('tooltips', () => {
  it('names the trace, its text, then x and y under the axes’ titles', () => {
    const t: MarkerTrace = { mode: 'lines+markers', name: 'this run', x: [0.5, -1.234567], y: [2, 3], text: ['step 0', 'step 25'] };
    expect(tooltipLines(t, 1, { x: 'L_uniform', y: 'L_align' })).toEqual(['this run', 'step 25', 'L_uniform: -1.235', 'L_align: 3']);
    expect(tooltipLines({ ...t, text: undefined }, 0, { x: 'step' })).toEqual(['this run', 'step: 0.5', '2']);
    expect(tooltipLines(t, 0, {})).toEqual(['this run', 'step 0']); // a map: no coordinates
  });
  it('writes integers whole and others to 4 significant digits', () => {
    expect(formatValue(1200)).toBe('1200');
    expect(formatValue(0.000123456)).toBe('0.0001235');
    expect(formatValue(3.14159)).toBe('3.142');
  });
});

describe('colorscaleColor', () => {
  it("interpolates plotly's Viridis in RGB and clamps", () => {
    expect(colorscaleColor('Viridis', 0)).toBe('rgb(68, 1, 84)'); // #440154
    expect(colorscaleColor('Viridis', 1)).toBe('rgb(253, 231, 37)'); // #fde725
    expect(colorscaleColor('Viridis', 2)).toBe('rgb(253, 231, 37)');
    expect(colorscaleColor('Viridis', Number.NaN)).toBe('rgb(68, 1, 84)');
    // Half-way between the stops #21918c (0.50196) and #1fa088 (0.56471).
    const mid = (0.5019607843137255 + 0.5647058823529412) / 2;
    expect(colorscaleColor('Viridis', mid)).toBe('rgb(32, 153, 138)');
    expect(colorscaleColor([[0, '#000000'], [1, '#ffffff']], 0.25)).toBe('rgb(64, 64, 64)');
  });
});

describe('steady axes', () => {
  it('takes the step of 1, 2 or 5 times a power of ten nearest in ratio', () => {
    expect(niceStep(16)).toBe(20);
    expect(niceStep(20)).toBe(20);
    expect(niceStep(0.226)).toBe(0.2); // nearer 0.2 than 0.5 in ratio
    expect(niceStep(0.0036)).toBe(0.005);
    expect(niceStep(7.5)).toBe(10);
    expect(niceStep(1.3)).toBe(1);
  });
  it('snaps a range outward to multiples of the round step nearest a fifth of its span', () => {
    expect(steadyRange([1, 80])).toEqual([0, 80]); // span/5 = 15.8 → 20
    expect(steadyRange([1, 81])).toEqual([0, 100]);
    expect(steadyRange([4.46, 5.59])).toEqual([4.4, 5.6]); // span/5 = 0.226 → 0.2
    expect(steadyRange([-0.3, 0.7])).toEqual([-0.4, 0.8]); // span/5 = 0.2
    expect(steadyRange([2, 2])).toEqual([2, 2]);
    expect(steadyRange([2, 2], [1.5, 2.5])).toEqual([1.5, 2.5]); // a single value: its padded range
  });
  it('leaves a range where it is while the data grows within a step', () => {
    const seen = new Set<string>();
    for (let step = 101; step <= 120; step++) seen.add(JSON.stringify(steadyRange([1, step])));
    expect([...seen]).toEqual(['[0,120]']);
  });
  it('pads only a side whose bound the data comes near, by plotly’s padding', () => {
    // Accuracy's x: evaluations 0–200 with markers, padded 5% by plotly to [-10, 210].
    expect(steadyRange([0, 200], [-10, 210])).toEqual([-10, 210]);
    // At 225 the upper bound is 250, well clear: padded on the left only.
    expect(steadyRange([0, 225], [-11.25, 236.25])).toEqual([-11.25, 250]);
    // A range with no padding is as before.
    expect(steadyRange([0, 225])).toEqual([0, 250]);
  });
  it('makes every range of an extent steady', () => {
    expect(steadyExtent({ x: [1, 81], y: [-0.3, 0.7], y2: [0, 32] })).toEqual({ x: [0, 100], y: [-0.4, 0.8], y2: [0, 35] }) // y2: 6.4 → 5;
    expect(steadyExtent({ x: [1, 81] })).toEqual({ x: [0, 100] });
    // x grows ahead of the data (to 50 for 31), up to the run's end.
    expect(steadyExtent({ x: [0, 31], y: [-0.3, 0.7] }, undefined, 40)).toEqual({ x: [0, 40], y: [-0.4, 0.8] });
    expect(steadyExtent({ x: [0, 31] })).toEqual({ x: [0, 50] });
  });
});

describe('the growing step axis', () => {
  it('bounds the data by the next 1, 2, 3 or 5 times a power of ten', () => {
    expect([0.7, 1, 1.01, 2, 2.5, 3, 4, 5, 5.1, 10, 11, 21, 31, 999, 1001].map(headroomBound)).toEqual([
      1, 1, 2, 2, 3, 3, 5, 5, 10, 10, 20, 30, 50, 1000, 2000,
    ]);
    expect(headroomBound(0.03)).toBe(0.03);
    expect(headroomBound(0.031)).toBe(0.05);
  });
  it('runs ahead of the data, so the data fills at least half of it, and stops at the run’s end', () => {
    expect(growingRange([0, 11])).toEqual([0, 20]);
    expect(growingRange([0, 21])).toEqual([0, 30]);
    expect(growingRange([0, 31], [0, 31], 40)).toEqual([0, 40]);
    expect(growingRange([0, 39], [0, 39], 40)).toEqual([0, 40]);
    // Past its end (an evaluation after the last step, say) it grows on as before.
    expect(growingRange([0, 41], [0, 41], 40)).toEqual([0, 50]);
    for (let b = 1; b <= 5000; b += 7) {
      const [lo, hi] = growingRange([0, b]);
      expect(lo).toBe(0);
      expect(hi).toBeGreaterThanOrEqual(b);
      expect(b / hi).toBeGreaterThanOrEqual(0.5);
    }
  });
  it('moves four times a decade while the data grows, not at nearly every update as a snapped range would', () => {
    const seen = new Set<string>();
    const snapped = new Set<string>();
    for (let step = 10; step <= 2000; step++) {
      seen.add(JSON.stringify(growingRange([0, step], [0, step], 2000)));
      snapped.add(JSON.stringify(steadyRange([0, step])));
    }
    // 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000.
    expect(seen.size).toBe(10);
    expect(snapped.size).toBeGreaterThan(30);
    // A short run (40 steps) meets 1, 2, 3, 5, 10, 20, 30 and its end, whatever its updates.
    const short = new Set<string>();
    for (let step = 1; step <= 40; step++) short.add(JSON.stringify(growingRange([0, step], [0, step], 40)));
    expect(short.size).toBe(8);
  });
  it('keeps plotly’s padding as the same fraction of the grown range, so it moves only with the bound', () => {
    // Accuracy's evaluations at 0–40 with markers, padded 5% by plotly to [-2, 42]: the run's end is reached.
    expect(growingRange([0, 40], [-2, 42], 40)).toEqual([-2, 42]);
    expect(growingRange([0, 25], [-1.25, 26.25], 40)).toEqual([-1.5, 31.5]);
    expect(growingRange([0, 22], [-1.1, 23.1], 40)).toEqual([-1.5, 31.5]);
    // Data that starts well above the lower bound is not padded below.
    expect(growingRange([12, 25], [11.35, 25.65])).toEqual([10, 31]); // 5% of the range [10, 30] above
  });
});
