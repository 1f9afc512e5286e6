/** Lessons and lesson links: a link opens a lesson with controls hidden, a hostile link harms nothing, the share box makes links, a lesson's sweep runs. */
import { DEFAULT_CONFIG } from '../src/shared/config';
import { drawn, expect, test } from './fixtures';

const SECTIONS = ['section.method', 'section.data', 'section.model', 'section.optim', 'section.augment', 'section.run', 'section.eval', 'section.collapse'];

test('a lesson link opens the lesson with what it hides hidden; "Show all" brings everything back', async ({ page }) => {
  await page.goto('./#lesson=temperature&hide=section.augment,lr');
  const card = page.getByTestId('lesson.card');
  await expect(card).toHaveAttribute('data-id', 'temperature');
  await expect(card.locator('h2')).toHaveText('Temperature τ');
  await expect(page.getByTestId('lesson.finding')).toContainText('Table 5');
  await expect(page.getByTestId('lesson.watch')).toContainText('kNN accuracy');
  await expect(page.getByTestId('lesson.run')).toHaveText('Run this lesson (5 runs)');
  // The link's hide= replaces the lesson's own list: the augmentations and the learning rate (label and all) go.
  await expect(page.getByTestId('section.augment')).toHaveCount(0);
  await expect(page.getByTestId('config.lr')).toHaveCount(0);
  await expect(page.locator('label[for="cfg-lr"]')).toHaveCount(0);
  for (const id of SECTIONS.filter((s) => s !== 'section.augment')) await expect(page.getByTestId(id)).toBeVisible();
  await expect(page.getByTestId('config.momentum')).toBeVisible();
  await expect(page.getByTestId('config.temperature')).toBeVisible();
  // The lesson's config applies (200 steps of SimCLR on MNIST), and the link had nothing wrong with it.
  await expect(page.getByTestId('config.steps')).toHaveValue('200');
  await expect(page.getByTestId('config.method')).toHaveValue('simclr');
  await expect(page.getByTestId('notices')).toHaveCount(0);
  await expect(page.getByTestId('hidden.note')).toContainText('Some settings are hidden by this lesson link.');
  await card.screenshot({ path: 'test-results/lesson.png' });
  await page.screenshot({ path: 'test-results/lesson-page.png' });

  await page.getByTestId('hidden.showAll').click();
  await expect(page.getByTestId('hidden.note')).toHaveCount(0);
  for (const id of SECTIONS) await expect(page.getByTestId(id)).toBeVisible();
  await expect(page.getByTestId('config.lr')).toBeVisible();
  // The lesson stays open; the link hides nothing (an empty `hide=` overrides the lesson's own list).
  await expect(card).toBeVisible();
  const hash = new URL(page.url()).hash;
  expect(hash).toContain('lesson=temperature');
  expect(hash).not.toMatch(/hide=[^&]/);
  await page.reload();
  for (const id of SECTIONS) await expect(page.getByTestId(id)).toBeVisible();
  await expect(page.getByTestId('lesson.card')).toHaveAttribute('data-id', 'temperature');
});

test('the lessons menu opens a lesson with its own hidden controls, and "Close lesson" closes it', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('lesson.card')).toHaveCount(0);
  await page.getByTestId('lessons').locator('summary').click();
  await expect(page.getByTestId('lesson.open')).toHaveCount(5);
  await page.locator('[data-testid="lesson.open"][data-id="collapse"]').click();
  await expect(page.getByTestId('lessons')).not.toHaveAttribute('open');
  await expect(page.getByTestId('lesson.card')).toHaveAttribute('data-id', 'collapse');
  await expect(page.getByTestId('config.method')).toHaveValue('simsiam');
  // The collapse lesson hides the stop-gradient switch, the optimiser and the augmentations, and the similarity panel.
  await expect(page.getByTestId('config.stopGradient')).toHaveCount(0);
  await expect(page.getByTestId('section.optim')).toHaveCount(0);
  await expect(page.getByTestId('section.augment')).toHaveCount(0);
  await expect(page.getByTestId('section.model')).toBeVisible();
  expect(new URL(page.url()).hash).toMatch(/^#lesson=collapse/);
  await page.getByTestId('lesson.close').click();
  await expect(page.getByTestId('lesson.card')).toHaveCount(0);
  await expect(page.getByTestId('hidden.note')).toHaveCount(0);
  await expect(page.getByTestId('section.optim')).toBeVisible();
  expect(new URL(page.url()).hash).not.toContain('lesson=');
});

test('a hostile link: its bad values are named, no script runs, what is valid still applies', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('./#hide=<script>alert(1)</script>,section.model&lr=1e999&temperature=abc');
  const notices = page.getByTestId('notices');
  await expect(notices).toContainText('ignored unknown control to hide "<script>alert(1)</script>"');
  await expect(notices).toContainText('learning rate must be a finite number (got "1e999")');
  await expect(notices).toContainText('temperature τ must be a finite number (got "abc")');
  await expect(notices.locator('li')).toHaveCount(3);
  // The script text is shown as text: no element was made from it.
  expect(await page.evaluate(() => [...document.scripts].filter((s) => !s.src).map((s) => s.textContent))).toEqual([]);
  expect(await page.evaluate(() => document.body.innerHTML.includes('<script>'))).toBe(false);
  // The valid id applies; the bad values fall back to the defaults.
  await expect(page.getByTestId('section.model')).toHaveCount(0);
  await expect(page.getByTestId('section.optim')).toBeVisible();
  await expect(page.getByTestId('config.lr')).toHaveValue(String(DEFAULT_CONFIG.lr));
  await expect(page.getByTestId('config.temperature')).toHaveValue(String(DEFAULT_CONFIG.temperature));
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
});

test('the share box hides parts of the page and gives a link that opens the same stripped-down page', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('./#dataset=digits&seed=7');
  await page.getByTestId('share.open').click();
  await expect(page.getByTestId('share.hide')).toHaveCount(14);
  await page.getByLabel('Augmentations', { exact: true }).check();
  await expect(page.locator('[data-testid="share.hide"][data-id="section.augment"]')).toBeChecked();
  await expect(page.getByTestId('section.augment')).toHaveCount(0);
  const link = page.getByTestId('share.link');
  await expect(link).toHaveValue(/hide=section\.augment/);
  await expect(link).toHaveValue(/dataset=digits/);
  await expect(link).toHaveValue(/seed=7/);
  expect(page.url()).toContain('hide=section.augment');
  // A panel outside the settings, too.
  await page.getByLabel('Sweep panel', { exact: true }).check();
  await expect(page.getByTestId('sweep')).toHaveCount(0);
  await expect(link).toHaveValue(/hide=section\.augment,panel\.sweep/);
  const href = await link.inputValue();
  await page.getByTestId('share.copy').click();
  await expect(page.getByTestId('share.copied')).toBeVisible();
  if ((await page.getByTestId('share.copied').innerText()).startsWith('Copied')) {
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(href);
  }

  const other = await context.newPage();
  const errors: string[] = [];
  other.on('pageerror', (e) => errors.push(e.message));
  await other.goto(href);
  await expect(other.getByTestId('section.model')).toBeVisible();
  await expect(other.getByTestId('section.augment')).toHaveCount(0);
  await expect(other.getByTestId('sweep')).toHaveCount(0);
  await expect(other.getByTestId('config.dataset')).toHaveValue('digits');
  await expect(other.getByTestId('config.seed')).toHaveValue('7');
  await expect(other.getByTestId('notices')).toHaveCount(0);
  expect(errors).toEqual([]);
  await other.close();

  // Unticking brings the section back and takes it out of the link.
  await page.getByLabel('Augmentations', { exact: true }).uncheck();
  await expect(page.getByTestId('section.augment')).toBeVisible();
  await expect(link).toHaveValue(/hide=panel\.sweep$/);
});

test('a sweep lesson runs its sweep: five τ values, five loss curves', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./#lesson=temperature&steps=6&evalEvery=6&batchSize=16&dataset=digits&backend=wasm&warmupSteps=1');
  await expect(page.getByTestId('lesson.card')).toHaveAttribute('data-id', 'temperature');
  await expect(page.getByTestId('notices')).toHaveCount(0);
  await page.getByTestId('lesson.run').click();
  await expect(page.getByTestId('sweep')).toHaveJSProperty('open', true);
  const progress = page.getByTestId('sweep.progress');
  await expect(progress).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(progress).toContainText('5 of 5 runs done');
  const loss = await (await drawn(page, 'sweep.loss')).evaluate((el) => (el as unknown as { data: { name: string; x: number[] }[] }).data.map((d) => [d.name, d.x.length]));
  expect(loss).toEqual([
    ['τ = 0.05', 6],
    ['τ = 0.1', 6],
    ['τ = 0.2', 6],
    ['τ = 0.5', 6],
    ['τ = 1', 6],
  ]);
  await expect(page.getByTestId('lesson.run')).toBeEnabled();
});
