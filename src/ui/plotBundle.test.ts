/** Which plotly build a chart loads: the smallest that has every trace type it draws. */
import { describe, expect, it } from 'vitest';
import type { Data } from 'plotly.js-dist-min';
import { bundleFor } from './Plot';

const traces = (...types: (string | undefined)[]) => types.map((type) => (type ? { type } : {}) as Data);

describe('bundleFor', () => {
  it('gives the basic build to scatter, bar and pie charts, and to traces without a type (scatter)', () => {
    expect(bundleFor(traces('scatter', 'scatter'))).toBe('basic');
    expect(bundleFor(traces(undefined))).toBe('basic');
    expect(bundleFor(traces('bar', 'pie', 'scatter'))).toBe('basic');
    expect(bundleFor([])).toBe('basic');
  });
  it('gives the cartesian build to heatmaps and histograms, even beside scatter traces', () => {
    expect(bundleFor(traces('heatmap'))).toBe('cartesian');
    expect(bundleFor(traces('scatter', 'histogram'))).toBe('cartesian');
  });
  it('gives the full build to WebGL traces, whatever else the chart has', () => {
    expect(bundleFor(traces('scatter3d'))).toBe('full');
    expect(bundleFor(traces('heatmap', 'parcoords'))).toBe('full');
  });
});
