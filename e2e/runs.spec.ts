/** The run history: real runs saved in IndexedDB, kept across reloads, renamed, compared, exported, imported, deleted. */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from '@playwright/test';
import { METRICS_COLUMNS, parseCsv, parseTsv } from '../src/shared/export';
import { drawn, expect, test, tracePoints, waitForDone } from './fixtures';

const TINY = './#dataset=digits&backend=wasm&steps=15&evalEvery=15&batchSize=16&probes=false';

/** Opens the history section (a <details>) unless it is open. */
async function openHistory(page: Page): Promise<void> {
  const runs = page.getByTestId('runs');
  await expect(runs).toBeAttached();
  if (!(await runs.evaluate((el) => (el as HTMLDetailsElement).open))) await runs.locator('summary').click();
}

const items = (page: Page) => page.getByTestId('runs.item');

/** The step of the map saved with a run, read straight from IndexedDB (null: none saved). */
function savedMapStep(page: Page, id: string): Promise<number | null> {
  return page.evaluate(
    (key) =>
      new Promise<number | null>((resolve, reject) => {
        const req = indexedDB.open('contrastive-playground');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const get = db.transaction('runs').objectStore('runs').get(key);
          get.onsuccess = () => {
            db.close();
            resolve((get.result as { map?: { step: number } | null } | undefined)?.map?.step ?? null);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    id,
  );
}

async function text(d: Download): Promise<string> {
  return readFile((await d.path())!, 'utf8');
}

test('finished runs are saved, survive a reload, and can be renamed, compared, exported, imported and deleted', async ({ page }) => {
  await page.goto(TINY);
  await openHistory(page);
  await expect(page.getByTestId('runs.empty')).toBeVisible();

  // A finished run appears in the history, and is still there, done, after a reload.
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await expect(items(page)).toHaveCount(1);
  await expect(items(page).first()).toHaveAttribute('data-status', 'done');
  // The map of the last evaluation is laid out after the run ends, and saved with it then.
  await expect(page.getByTestId('chart.tsne')).toContainText('step 15');
  const firstId = (await items(page).first().getAttribute('data-id'))!;
  await expect.poll(() => savedMapStep(page, firstId)).toBe(15);
  await page.reload();
  await openHistory(page);
  await expect(items(page)).toHaveCount(1);
  const first = items(page).first();
  await expect(first).toHaveAttribute('data-status', 'done');
  await expect(first.getByTestId('runs.meta')).toContainText('Digits 8×8 · SimCLR · 15 / 15 steps');
  await expect(first.getByTestId('runs.knn')).toHaveText(/^0\.\d{3}$|^1\.000$/);
  await expect(first).toHaveAttribute('data-id', firstId);

  // A new name and notes are kept across a reload (each edit is saved, then the list re-read: data-updated moves).
  const saved = async (edit: () => Promise<void>) => {
    const before = await first.getAttribute('data-updated');
    await edit();
    await expect(first).not.toHaveAttribute('data-updated', before!);
  };
  await saved(async () => {
    await first.getByTestId('runs.name').fill('first run');
    await first.getByTestId('runs.name').press('Enter');
  });
  await saved(async () => {
    await first.getByTestId('runs.notes').fill('seed 1, baseline');
    await first.getByTestId('runs.notes').blur();
  });
  await expect(page.getByTestId('runs.error')).toHaveCount(0);
  await page.reload();
  await openHistory(page);
  await expect(items(page).first().getByTestId('runs.name')).toHaveValue('first run');
  await expect(items(page).first().getByTestId('runs.notes')).toHaveValue('seed 1, baseline');

  // A second run with another seed: newest first.
  await page.getByTestId('config.seed').fill('2');
  await page.getByTestId('run.start').click();
  await expect(items(page)).toHaveCount(2, { timeout: 60_000 });
  await expect(page.locator('[data-testid="runs.item"][data-status="done"]')).toHaveCount(2, { timeout: 120_000 });
  await expect(page.getByTestId('status.run')).toHaveAttribute('data-status', 'done');
  await expect(items(page).first().getByTestId('runs.meta')).toContainText('seed 2');
  await expect(items(page).nth(1)).toHaveAttribute('data-id', firstId);

  // Compare both: two loss curves, two kNN curves, a table of what differs (the seed) and the final figures.
  await expect(page.getByTestId('runs.compare')).toHaveCount(0);
  await items(page).nth(0).getByTestId('runs.select').check();
  await items(page).nth(1).getByTestId('runs.select').check();
  const compare = page.getByTestId('runs.compare');
  await expect(compare).toBeVisible();
  await expect.poll(async () => (await tracePoints(page, 'compare.loss')).length).toBe(2);
  const loss = await tracePoints(page, 'compare.loss');
  for (const ys of loss) expect(ys).toHaveLength(15);
  expect(loss[0]).not.toEqual(loss[1]);
  const lossNames = await (await drawn(page, 'compare.loss')).evaluate((el) => (el as unknown as { data: { name: string }[] }).data.map((d) => d.name));
  expect(lossNames[1]).toBe('first run');
  await expect.poll(async () => (await tracePoints(page, 'compare.knn')).length).toBe(2);
  const table = page.getByTestId('compare.table');
  await expect(table.locator('thead th')).toHaveCount(3);
  await expect(table.locator('thead th').nth(2)).toHaveText('first run');
  await expect(table.locator('tr[data-key="seed"] td')).toHaveText(['2', '1']);
  await expect(table.locator('tr.compare-setting')).toHaveCount(1);
  await expect(table.locator('tr[data-key="knn"] td')).toHaveText([/^\d\.\d{3}$/, /^\d\.\d{3}$/]);
  await expect(table.locator('tr[data-key="steps"] td')).toHaveText(['15', '15']);
  // Each run's saved map of the held-out set, side by side, coloured by class (10 digits: 10 traces).
  await expect(page.getByTestId('compare.map')).toHaveCount(2);
  for (const plot of await page.getByTestId('compare.mapPlot').all()) {
    await expect.poll(() => plot.evaluate((el) => (el as unknown as { data?: unknown[] }).data?.length ?? 0)).toBe(10);
  }

  // The loss chart as a PNG.
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare.png').click()]);
  expect(png.suggestedFilename()).toBe('compare-loss.png');
  const pngBytes = await readFile((await png.path())!);
  expect(pngBytes.subarray(1, 4).toString('latin1')).toBe('PNG');

  // Metrics as CSV, parsed back: one row per step, the evaluation's kNN on the row of step 15.
  const row = page.locator(`[data-testid="runs.item"][data-id="${firstId}"]`);
  const [csv] = await Promise.all([page.waitForEvent('download'), row.getByTestId('runs.export.csv').click()]);
  expect(csv.suggestedFilename()).toBe('first-run-metrics.csv');
  const rows = parseCsv(await text(csv));
  expect(rows[0]).toEqual([...METRICS_COLUMNS]);
  const col = (name: string) => METRICS_COLUMNS.indexOf(name);
  const body = rows.slice(1);
  expect(body.filter((r) => r[col('loss')] !== '').map((r) => Number(r[col('step')]))).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  const at15 = body.find((r) => r[col('step')] === '15' && r[col('loss')] !== '')!;
  expect(Number(at15[col('knn')])).toBeGreaterThan(0);
  for (const r of body) expect(r).toHaveLength(METRICS_COLUMNS.length);

  // Embeddings for the Embedding Projector: vectors.tsv and metadata.tsv, one row per held-out point.
  const downloads: Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await row.getByTestId('runs.export.tsv').click();
  await expect.poll(() => downloads.length).toBe(2);
  const byName = Object.fromEntries(downloads.map((d) => [d.suggestedFilename(), d]));
  expect(Object.keys(byName).sort()).toEqual(['first-run-metadata.tsv', 'first-run-vectors.tsv']);
  const vectors = parseTsv(await text(byName['first-run-vectors.tsv']!));
  const meta = parseTsv(await text(byName['first-run-metadata.tsv']!));
  expect(meta[0]).toEqual(['index', 'label', 'class']);
  expect(vectors.length).toBeGreaterThan(100);
  expect(meta.length).toBe(vectors.length + 1);
  expect(new Set(vectors.map((v) => v.length)).size).toBe(1);
  expect(vectors[0]!.every((v) => Number.isFinite(Number(v)))).toBe(true);
  downloads.length = 0;

  // The config as JSON (what the headless runner reads), and the whole run, imported back as a new run.
  const [cfg] = await Promise.all([page.waitForEvent('download'), row.getByTestId('runs.export.config').click()]);
  expect(JSON.parse(await text(cfg))).toMatchObject({ dataset: 'digits', seed: 1, steps: 15 });
  const [json] = await Promise.all([page.waitForEvent('download'), row.getByTestId('runs.export.json').click()]);
  expect(json.suggestedFilename()).toBe('first-run-run.json');
  await page.getByTestId('runs.import').setInputFiles((await json.path())!);
  await expect(items(page)).toHaveCount(3);
  await expect(page.getByTestId('runs.message')).toContainText('imported');
  const imported = items(page).first();
  await expect(imported.getByTestId('runs.name')).toHaveValue('first run');
  await expect(imported).not.toHaveAttribute('data-id', firstId);
  await expect(imported.getByTestId('runs.knn')).toHaveText(await row.getByTestId('runs.knn').innerText());
  await imported.getByTestId('runs.delete').click();
  await expect(items(page)).toHaveCount(2);

  // A bad file: a message naming it, nothing changed.
  await page.getByTestId('runs.import').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"dataset": "digits", ') });
  await expect(page.getByTestId('runs.importError')).toContainText('broken.json: not a JSON file');
  await page.getByTestId('runs.import').setInputFiles({ name: 'odd.json', mimeType: 'application/json', buffer: Buffer.from('{"tau": 3}') });
  await expect(page.getByTestId('runs.importError')).toContainText('odd.json: not a playground run or config: unknown setting "tau"');
  await page
    .getByTestId('runs.import')
    .setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from('{"version": 1, "id": "x", "metrics": {}}') });
  await expect(page.getByTestId('runs.importError')).toContainText('run.json: not a playground run:');
  await expect(items(page)).toHaveCount(2);
  await expect(page.getByTestId('config.seed')).toHaveValue('2');

  // A config file sets the panel; "Load settings" puts a run's settings back.
  await page.getByTestId('runs.import').setInputFiles({ name: 'cfg.json', mimeType: 'application/json', buffer: Buffer.from('{"dataset": "digits", "seed": 42, "steps": 15}') });
  await expect(page.getByTestId('config.seed')).toHaveValue('42');
  await expect(page.getByTestId('runs.importError')).toHaveCount(0);
  await row.getByTestId('runs.load').click();
  await expect(page.getByTestId('config.seed')).toHaveValue('1');
  await expect(page.getByTestId('runs.message')).toContainText('settings of "first run" applied');

  // Delete one: one left, also after a reload; the comparison closes.
  await items(page).first().getByTestId('runs.delete').click();
  await expect(items(page)).toHaveCount(1);
  await expect(page.getByTestId('runs.compare')).toHaveCount(0);
  await page.reload();
  await openHistory(page);
  await expect(items(page)).toHaveCount(1);
  await expect(items(page).first()).toHaveAttribute('data-id', firstId);
});

test('a reload in the middle of a run leaves it in the history as interrupted, with its metrics so far', async ({ page }) => {
  await page.goto('./#dataset=digits&backend=wasm&steps=20000&evalEvery=20&batchSize=16&probes=false');
  await openHistory(page);
  await page.getByTestId('run.start').click();
  const item = items(page).first();
  await expect(item).toHaveAttribute('data-status', 'running');
  // Progress is saved every few seconds: wait until some steps and an evaluation are on disk.
  await expect
    .poll(async () => Number((await item.getByTestId('runs.meta').innerText()).match(/(\d+) \/ 20000 steps/)?.[1] ?? 0), { timeout: 60_000 })
    .toBeGreaterThan(20);
  await expect(item.getByTestId('runs.knn')).toHaveText(/^\d\.\d{3}$/);
  await page.reload();
  await openHistory(page);
  await expect(items(page)).toHaveCount(1);
  const after = items(page).first();
  await expect(after).toHaveAttribute('data-status', 'interrupted');
  const steps = Number((await after.getByTestId('runs.meta').innerText()).match(/(\d+) \/ 20000 steps/)![1]);
  expect(steps).toBeGreaterThan(20);
  await expect(after.getByTestId('runs.knn')).toHaveText(/^\d\.\d{3}$/);
  // Its metrics are there to export.
  const [csv] = await Promise.all([page.waitForEvent('download'), after.getByTestId('runs.export.csv').click()]);
  const rows = parseCsv(await text(csv));
  expect(rows.length).toBeGreaterThan(steps);
});

test('a corrupt saved run is listed with what is wrong with it, and can be deleted', async ({ page }) => {
  await page.goto('./#dataset=digits');
  await openHistory(page);
  await expect(page.getByTestId('runs')).toHaveAttribute('data-available', 'true');
  // A record and summary that no version of the playground wrote (bypassing the store's checks).
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('contrastive-playground');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(['runs', 'summaries'], 'readwrite');
          tx.objectStore('runs').put({ id: 'broken', version: 1, name: 'broken run' });
          tx.objectStore('summaries').put({ id: 'broken', name: 'broken run', notes: '', createdAt: 1, updatedAt: 1, status: 'lost' });
          tx.oncomplete = () => {
            db.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
  await page.reload();
  await openHistory(page);
  const corrupt = page.getByTestId('runs.corrupt');
  await expect(corrupt).toContainText('One saved run could not be read');
  await expect(corrupt).toContainText('"broken run" (broken)');
  await expect(corrupt).toContainText('status "lost" is unknown');
  await expect(items(page)).toHaveCount(0);
  await page.getByTestId('runs.corrupt.delete').click();
  await expect(corrupt).toHaveCount(0);
  await page.reload();
  await openHistory(page);
  await expect(page.getByTestId('runs.corrupt')).toHaveCount(0);
});
