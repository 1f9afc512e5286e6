/** Which plotly build a chart loads (the smallest with every trace type it draws), and the order charts redraw in. */
import { describe, expect, it } from 'vitest';
import type { Data } from 'plotly.js-dist-min';
import { bundleFor, EARLY_FRAME_PRIORITY, pickJob } from './Plot';

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

describe('pickJob (the order of the charts\' redraws)', () => {
  const job = (name: string, priority?: number) => ({ name, priority });
  it('takes the highest priority first, and the first asked among equals', () => {
    expect(pickJob([job('a'), job('loss', 1), job('b')])?.name).toBe('loss');
    expect(pickJob([job('a'), job('b')])?.name).toBe('a');
    expect(pickJob([])).toBeUndefined();
  });
  it('draws an empty frame before a background redraw asked earlier (which may wait for a quiet spell), and after any foreground one', () => {
    const map = job('map placeholder', -1);
    const frame = job('accuracy frame', EARLY_FRAME_PRIORITY);
    expect(pickJob([map, frame])).toBe(frame);
    expect(pickJob([map, frame, job('loss point', 0)])?.name).toBe('loss point');
    expect(EARLY_FRAME_PRIORITY).toBeLessThan(0); // still a background redraw (the pump paces those)
  });
});
