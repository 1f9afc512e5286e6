/**
 * `npm run bench:ablation`: the augmentation ablation (SimCLR Fig. 5's shape) with the headless runner (Node,
 * WASM), two runs at a time: SimCLR with no augmentation, each augmentation alone and each pair, the same budget
 * and seed, and the kNN accuracy (k = 20, on h) at the end, printed as a lower-triangular matrix.
 *   npm run bench:ablation [-- --dataset mnist] [-- --steps 150] [-- --batch 128]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ablationAugs, ablationPlan, type AblationCell } from '../src/shared/ablation';
import { checkField, runDefaults } from '../src/shared/config';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const dataset = checkField('dataset', arg('--dataset') ?? 'mnist');
if (!dataset.ok) throw new Error(dataset.error);
const STEPS = Number(arg('--steps') ?? 150);
const BATCH = Number(arg('--batch') ?? 128);
const dir = mkdtempSync(join(tmpdir(), 'ablation-'));

function run(cell: AblationCell, index: number): Promise<number> {
  const file = join(dir, `${index}.json`);
  writeFileSync(file, JSON.stringify(cell.config));
  return new Promise((resolve) => {
    const p = spawn('npx', ['tsx', 'src/cli/train.ts', '--config', file, '--backend', 'wasm', '--log-every', String(STEPS)], { cwd: ROOT });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => {
      const last = out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, number>).pop();
      resolve(last?.step === STEPS ? last.knnAcc! : Number.NaN);
    });
  });
}

async function main(): Promise<void> {
  const base = { ...runDefaults('simclr', dataset.ok ? dataset.value : 'mnist'), batchSize: BATCH };
  const augs = ablationAugs(base);
  const plan = ablationPlan(base, augs, STEPS);
  console.log(`${plan.length} SimCLR runs of ${STEPS} steps at batch ${BATCH} on ${base.dataset}, WASM in Node, two at a time…`);
  const results: number[] = new Array(plan.length);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < plan.length) {
      const i = next++;
      results[i] = await run(plan[i]!, i);
    }
  };
  await Promise.all([worker(), worker()]);
  const knn = (r: number, c: number) => results[plan.findIndex((p) => p.row === r && p.col === c)]!;
  console.log(`\nno augmentation: ${knn(-1, -1).toFixed(3)}   (${((performance.now() - t0) / 60000).toFixed(1)} min)\n`);
  console.log(`| 1st \\ 2nd | ${augs.map((a) => a.label).join(' | ')} | row mean |`);
  console.log(`|---|${augs.map(() => '---').join('|')}|---|`);
  augs.forEach((a, i) => {
    const row = augs.map((_, j) => (j <= i ? knn(i, j) : knn(j, i)));
    const cells = augs.map((_, j) => (j <= i ? knn(i, j).toFixed(3) : ''));
    console.log(`| ${a.label} | ${cells.join(' | ')} | ${(row.reduce((x, y) => x + y, 0) / row.length).toFixed(3)} |`);
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
