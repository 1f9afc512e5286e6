/**
 * `npm run bench:methods`: every method, and the collapse lab's experiments, trained with the headless runner
 * (Node, WASM) on MNIST for the same budget (default 300 steps at batch 128, each method's preset), two runs at
 * a time. Prints a table of the final kNN accuracy and the collapse meter (std of z/‖z‖ against 1/√d, effective
 * rank, verdict), plus the kNN accuracy of the untrained network.
 *   npm run bench:methods [-- --steps N] [-- --only simclr,moco]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METHODS, methodDefaults, type TrainConfig } from '../src/shared/config';
import { applyExperiment, COLLAPSE_EXPERIMENTS, collapseVerdict, METHOD_INFO } from '../src/shared/methods';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const STEPS = Number(arg('--steps') ?? 300);
const ONLY = arg('--only')?.split(',');

interface Job {
  name: string;
  config: Partial<TrainConfig>;
}
interface Row {
  name: string;
  knn0: number;
  knn: number;
  zStd: number;
  effRank: number;
  ms: number;
  error?: string;
}

const jobs: Job[] = [
  ...METHODS.map((m) => ({ name: METHOD_INFO[m].label, config: methodDefaults(m) })),
  ...COLLAPSE_EXPERIMENTS.map((e) => ({ name: `lab: ${e.label}`, config: applyExperiment(methodDefaults(e.patch.method ?? 'simclr'), e) })),
].filter((j) => !ONLY || ONLY.includes(j.config.method!));

const dir = mkdtempSync(join(tmpdir(), 'methods-'));

function run(job: Job, index: number): Promise<Row> {
  const file = join(dir, `${index}.json`);
  writeFileSync(file, JSON.stringify({ ...job.config, steps: STEPS, evalEvery: STEPS }));
  return new Promise((resolve) => {
    const p = spawn('npx', ['tsx', 'src/cli/train.ts', '--config', file, '--backend', 'wasm', '--log-every', String(STEPS)], { cwd: ROOT });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const lines = out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, number>);
      const first = lines[0];
      const last = lines[lines.length - 1];
      if (code !== 0 || !first || !last || last.step !== STEPS) {
        resolve({ name: job.name, knn0: NaN, knn: NaN, zStd: NaN, effRank: NaN, ms: NaN, error: err.trim().split('\n').pop() ?? `exit ${code}` });
        return;
      }
      resolve({ name: job.name, knn0: first.knnAcc!, knn: last.knnAcc!, zStd: last.zStd!, effRank: last.effRank!, ms: last.ms! });
    });
  });
}

async function main(): Promise<void> {
  console.log(`${jobs.length} runs of ${STEPS} steps, batch 128, MNIST, WASM in Node, two at a time…`);
  const rows: Row[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      rows[i] = await run(jobs[i]!, i);
      console.log(`  done: ${jobs[i]!.name}`);
    }
  };
  await Promise.all([worker(), worker()]);
  const d = methodDefaults('simclr').projDim;
  console.log(`\n| run | kNN acc (step 0 → ${STEPS}) | std of z/‖z‖ (1/√d = ${(1 / Math.sqrt(d)).toFixed(3)}) | effective rank (of ${d}) | verdict |`);
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    if (r.error) {
      console.log(`| ${r.name} | failed: ${r.error} | | | |`);
      continue;
    }
    const v = collapseVerdict({ zStd: r.zStd, dim: d, effRank: r.effRank });
    console.log(`| ${r.name} | ${r.knn0.toFixed(3)} → ${r.knn.toFixed(3)} | ${r.zStd.toFixed(4)} | ${r.effRank.toFixed(2)} | ${v.level} |`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
