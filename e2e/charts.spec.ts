/**
 * The live line charts draw their curves on a canvas over plotly's axes (ui/Plot.tsx `canvasTraces`): the points
 * must land where plotly's own axes put those values, hover must describe them, the legend must hide them, and
 * live changes must leave plotly's chart standing (the canvas repainted, the ranges that changed relaid out, the step
 * axis growing ahead of the data).
 */
import { canvasXRange, drawn, expect, test, waitForDone, zoomBox } from './fixtures';

interface Placed {
  /** Canvas vertices: trace, index in trace, pixel from the plot area's top left. */
  vertices: { curve: number; point: number; px: number; py: number }[];
  /** Where plotly's axes put each of those points (its l2p, the reference). */
  expected: { px: number; py: number }[];
  draws: number;
  axesDraws: number;
}

async function placed(page: import('@playwright/test').Page, testId: string): Promise<Placed> {
  const chart = await drawn(page, testId);
  return chart.evaluate((el) => {
    type Axis = { l2p(v: number): number };
    const gd = el as HTMLElement & {
      data: { x: number[]; y: number[]; yaxis?: string }[];
      _fullLayout: { xaxis: Axis; yaxis: Axis; yaxis2?: Axis };
      markers: { layer: { px: Float32Array; py: Float32Array; curve: Int32Array; point: Int32Array } };
    };
    const { layer } = gd.markers;
    const vertices = Array.from(layer.px, (px, k) => ({ curve: layer.curve[k]!, point: layer.point[k]!, px, py: layer.py[k]! }));
    const expected = vertices.map((v) => {
      const t = gd.data[v.curve]!;
      const ya = t.yaxis === 'y2' ? gd._fullLayout.yaxis2! : gd._fullLayout.yaxis;
      return { px: gd._fullLayout.xaxis.l2p(t.x[v.point]!), py: ya.l2p(t.y[v.point]!) };
    });
    return { vertices, expected, draws: Number(el.dataset.draws), axesDraws: Number(el.dataset.axesDraws) };
  });
}

test('the live line charts: curves where plotly’s axes put them, a tooltip, legend toggles, each chart built once, its step axis growing ahead', async ({ page }) => {
  // Plot's measures name each redraw's chart and path ('redraw chart.loss relayout xaxis.range,yaxis.range').
  await page.addInitScript(() => {
    const w = window as unknown as { __redraws: string[] };
    w.__redraws = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name.startsWith('redraw ')) w.__redraws.push(e.name.slice('redraw '.length));
    }).observe({ type: 'measure' });
  });
  await page.goto('./#backend=wasm&batchSize=32&steps=40&evalEvery=10&warmupSteps=5');
  await page.getByTestId('run.start').click();
  await waitForDone(page);

  // Every point of the loss (2 traces × 40 steps), accuracy and collapse charts (y2: the effective rank) sits within
  // a pixel of where plotly's own linear-to-pixel maps put it.
  for (const [id, least] of [['chart.loss', 80], ['chart.accuracy', 40 + 5], ['chart.collapse', 40 + 2 + 5]] as const) {
    const p = await placed(page, id);
    expect(p.vertices.length, id).toBeGreaterThanOrEqual(least);
    p.vertices.forEach((v, k) => {
      expect(Math.abs(v.px - p.expected[k]!.px), `${id} x of point ${k}`).toBeLessThan(1);
      expect(Math.abs(v.py - p.expected[k]!.py), `${id} y of point ${k}`).toBeLessThan(1);
    });
    // plotly built the chart once (its empty frame or its first points); every later change was a relayout of the
    // ranges that changed or a repaint of the canvas alone, never a whole redraw.
    const paths = (await page.evaluate(() => (window as unknown as { __redraws: string[] }).__redraws))
      .filter((r) => r.startsWith(`${id} `))
      .map((r) => r.slice(id.length + 1));
    expect(paths.filter((r) => r === 'new plot'), `${id}: ${paths.join('; ')}`).toHaveLength(1);
    expect(paths.every((r) => r === 'new plot' || r === 'repaint' || r.startsWith('relayout ')), `${id}: ${paths.join('; ')}`).toBe(true);
    expect(p.axesDraws).toBe(1 + paths.filter((r) => r.startsWith('relayout ')).length);
    // The step axis grows ahead of the data by round bounds, however often the chart was updated: after the empty
    // frame, at most the first point's own range, then 1, 2, 3, 5, 10, 20, 30 and the run's end, and once more where
    // the first evaluation's markers bring plotly's padding (the unit tests count the moves exactly). A range
    // snapped to a fifth of its span moved at nearly every update of this run, 5–9 times in 7–11 updates here,
    // and up to 17 times on a machine slow enough to update at every other step. It ends at the run's end (40
    // steps), padded where markers sit on it.
    const xMoves = paths.filter((r) => /^relayout .*\bxaxis\.range\b/.test(r)).length;
    expect(xMoves, `${id}: ${paths.join('; ')}`).toBeLessThanOrEqual(10);
    const xRange = await page.getByTestId(id).evaluate((el) => (el as unknown as { _fullLayout: { xaxis: { range: number[] } } })._fullLayout.xaxis.range);
    expect(xRange[1], `${id} x range ${xRange.join('–')}`).toBeGreaterThanOrEqual(40);
    expect(xRange[1], `${id} x range ${xRange.join('–')}`).toBeLessThan(43);
  }

  // The curves are painted: the loss chart's canvas holds the smoothed curve's colour (#1f77b4).
  const loss = page.getByTestId('chart.loss');
  const blue = await loss.locator('canvas.plot-markers').evaluate((c) => {
    const px = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i]! - 0x1f) < 8 && Math.abs(px[i + 1]! - 0x77) < 8 && Math.abs(px[i + 2]! - 0xb4) < 8 && px[i + 3]! > 200) n++;
    return n;
  });
  expect(blue).toBeGreaterThan(100);

  // Hovering a vertex of the smoothed curve names it, its step and its value, beside the point.
  await loss.scrollIntoViewIfNeeded();
  const p = await placed(page, 'chart.loss');
  const v = p.vertices.find((q) => q.curve === 1 && q.point === 20)!;
  const { values, box } = await loss.evaluate((el, k) => {
    const gd = el as HTMLElement & { data: { x: number[]; y: number[] }[]; markers: { area: { l: number; t: number } } };
    const r = el.getBoundingClientRect();
    return { values: { x: gd.data[1]!.x[k]!, y: gd.data[1]!.y[k]! }, box: { x: r.left + gd.markers.area.l, y: r.top + gd.markers.area.t } };
  }, 20);
  await page.mouse.move(box.x + v.px + 1, box.y + v.py + 1);
  await page.mouse.move(box.x + v.px, box.y + v.py);
  const tip = page.getByTestId('chart.loss.tip');
  await expect(tip).toBeVisible();
  // Near the point the curves may be close: the tooltip describes one of the two, the nearest.
  const text = await tip.innerText();
  if (text.startsWith('smoothed')) {
    expect(text).toBe(`smoothed\nstep: ${values.x}\n${Number(values.y.toPrecision(4))}`);
  } else expect(text).toMatch(/^loss\nstep: \d+\n-?\d/);
  await page.mouse.move(0, 0);
  await expect(tip).toBeHidden();

  // A zoom box zooms the curves with the axes; the mode bar's home button gives back the chart's own ranges.
  const full = await canvasXRange(loss);
  const drag = await zoomBox(page, loss, [0.2, 0.2], [0.5, 0.8]);
  const inView = (await placed(page, 'chart.loss')).vertices.filter((q) => q.px >= 0 && q.px <= drag.width).length;
  expect(inView).toBeLessThan(80);
  // The zoomed view stays while the chart changes (hiding a curve moves the y extent): it waits for a reset.
  const view = () => loss.evaluate((el) => ((a) => ({ x: a.x, y: a.y }))((el as HTMLElement & { markers: { area: { x: number[]; y: number[] } } }).markers.area));
  const zoomed = await view();
  await page.getByTestId('chart.loss.legend').getByRole('button', { name: 'loss', exact: true }).click();
  await drawn(page, 'chart.loss');
  expect(await view()).toEqual(zoomed);
  await page.getByTestId('chart.loss.legend').getByRole('button', { name: 'loss', exact: true }).click();
  await drawn(page, 'chart.loss');
  expect(await view()).toEqual(zoomed);
  await loss.hover();
  await loss.locator('.modebar-btn[data-title="Reset axes"]').click();
  await expect.poll(() => canvasXRange(loss)).toEqual(full);

  // The HTML legend hides a curve from the canvas and shows it again.
  await page.getByTestId('chart.loss.legend').getByRole('button', { name: 'loss', exact: true }).click();
  await expect.poll(async () => (await placed(page, 'chart.loss')).vertices.filter((q) => q.curve === 0).length).toBe(0);
  expect((await placed(page, 'chart.loss')).vertices.filter((q) => q.curve === 1).length).toBe(40);
  await page.getByTestId('chart.loss.legend').getByRole('button', { name: 'loss', exact: true }).click();
  await expect.poll(async () => (await placed(page, 'chart.loss')).vertices.filter((q) => q.curve === 0).length).toBe(40);
});
