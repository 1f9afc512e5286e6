/** The trained encoder downloads in TensorFlow.js format: model.json and its weights file, consistent. */
import { readFileSync } from 'node:fs';
import { expect, test, waitForDone } from './fixtures';

test('the trained encoder downloads as a TensorFlow.js layers model whose weights file matches its manifest', async ({ page }) => {
  await page.goto('./#dataset=digits&backend=wasm&steps=5&evalEvery=0&batchSize=16&width=8');
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  const downloads: { name: string; path: string }[] = [];
  page.on('download', async (d) => downloads.push({ name: d.suggestedFilename(), path: await d.path() }));
  await page.getByTestId('run.exportModel').click();
  await expect.poll(() => downloads.length).toBe(2);
  const json = downloads.find((d) => d.name === 'model.json')!;
  const bin = downloads.find((d) => d.name === 'encoder.weights.bin')!;
  const model = JSON.parse(readFileSync(json.path, 'utf8')) as {
    format: string;
    modelTopology: unknown;
    weightsManifest: { paths: string[]; weights: { shape: number[]; dtype: string }[] }[];
    userDefinedMetadata: { contrastivePlayground: { method: string; dataset: string; step: number } };
  };
  expect(model.format).toBe('layers-model');
  expect(model.modelTopology).toBeTruthy();
  expect(model.weightsManifest[0]!.paths).toEqual(['encoder.weights.bin']);
  expect(model.userDefinedMetadata.contrastivePlayground).toMatchObject({ method: 'simclr', dataset: 'digits', step: 5 });
  const floats = model.weightsManifest[0]!.weights.reduce((a, w) => a + w.shape.reduce((p, s) => p * s, 1), 0);
  // Three 3×3 convolutions (widths 8, 16, 32) with biases, on 1 input channel.
  expect(floats).toBe(9 * 1 * 8 + 8 + 9 * 8 * 16 + 16 + 9 * 16 * 32 + 32);
  expect(readFileSync(bin.path).length).toBe(4 * floats);
});
