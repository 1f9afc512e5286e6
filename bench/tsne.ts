/**
 * `npx tsx bench/tsne.ts`: wall time and trustworthiness (k = 10) of our Barnes-Hut t-SNE (src/engine/tsneBH.ts)
 * against scikit-learn's TSNE(method='barnes_hut', n_iter=1000, init='pca', learning_rate='auto',
 * perplexity=30, random_state=0), measured in the same run on the same float32 data: (a) the first 1,000
 * scikit-learn digits (64-d, values 0..16), (b) 2,000 and (c) 5,000 points of 64-d "embeddings", a seeded
 * mixture of 10 clusters, each a random 16-d linear subspace around its centre plus isotropic noise.
 * Each set is written to a temporary file and fitted by bench/tsne_sklearn.py (Debian's python3-sklearn,
 * /usr/bin/python3, at its default thread counts), then by us (one JavaScript thread); both time the whole fit,
 * neighbour search included. Trustworthiness of both layouts is computed here by the same function
 * (equal to sklearn.manifold.trustworthiness, see tsne.test.ts).
 *   npx tsx bench/tsne.ts [--repeat N] [--only digits,2000,5000]   (N runs each, median time; default 1)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseIdx } from '../src/engine/data';
import { gaussian, mulberry32 } from '../src/engine/rng';
import { trustworthiness } from '../src/engine/tsne';
import { tsneBH } from '../src/engine/tsneBH';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const TRUST_K = 10;
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const REPEAT = Math.max(1, Number(arg('--repeat') ?? 1));
const ONLY = arg('--only')?.split(',');

interface BenchSet {
  name: string;
  n: number;
  d: number;
  data: Float32Array;
}

interface SklearnResult {
  seconds: number[];
  nIter: number;
  openmpThreads: number;
  blasThreads: string;
  sklearn: string;
}

/** The first n UCI digits as scikit-learn has them (0..16): the repo stores round(v·255/16) as bytes. */
function digits(n: number): BenchSet {
  const img = parseIdx(gunzipSync(readFileSync(join(ROOT, 'public/data/digits/digits-images-idx3-ubyte.gz'))));
  const d = 64;
  return { name: 'digits', n, d, data: Float32Array.from(img.data.subarray(0, n * d), (b) => Math.round((b * 16) / 255)) };
}

/**
 * n points of 64-d stand-in embeddings: 10 clusters (point i in cluster i mod 10), centres N(0, I), each cluster
 * spread over its own random 16-d subspace (loadings N(0, 1/16)) plus N(0, 0.5²) noise on every coordinate.
 */
function mixture(n: number, seed = 1): BenchSet {
  const d = 64;
  const clusters = 10;
  const latent = 16;
  const rand = mulberry32(seed);
  const centres = Float64Array.from({ length: clusters * d }, () => gaussian(rand));
  const loadings = Float64Array.from({ length: clusters * d * latent }, () => gaussian(rand) / Math.sqrt(latent));
  const data = new Float32Array(n * d);
  const z = new Float64Array(latent);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    for (let l = 0; l < latent; l++) z[l] = gaussian(rand);
    for (let t = 0; t < d; t++) {
      let v = centres[c * d + t]!;
      for (let l = 0; l < latent; l++) v += loadings[(c * d + t) * latent + l]! * z[l]!;
      data[i * d + t] = v + 0.5 * gaussian(rand);
    }
  }
  return { name: `mixture-${n}`, n, d, data };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runSklearn(set: BenchSet, dir: string): { result: SklearnResult; layout: Float32Array } {
  const input = join(dir, `${set.name}.f32`);
  const output = join(dir, `${set.name}.layout.f32`);
  writeFileSync(input, new Uint8Array(set.data.buffer, set.data.byteOffset, set.n * set.d * 4));
  const args = [join(ROOT, 'bench/tsne_sklearn.py'), '--input', input, '--output', output, '--n', String(set.n), '--d', String(set.d), '--repeat', String(REPEAT)];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/tsne_sklearn.py failed: ${(r.stderr || r.error?.message || '').trim()}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as SklearnResult;
  const bytes = readFileSync(output);
  const layout = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + set.n * 8));
  return { result, layout };
}

function runOurs(set: BenchSet): { seconds: number[]; layout: Float32Array } {
  const seconds: number[] = [];
  let layout: Float32Array = new Float32Array(0);
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now();
    layout = tsneBH(set.data, set.n, set.d, { perplexity: 30, iterations: 1000, learningRate: 'auto', init: 'pca', angle: 0.5, seed: 0 });
    seconds.push((performance.now() - t0) / 1000);
  }
  return { seconds, layout };
}

function main(): void {
  const sets = [digits(1000), mixture(2000), mixture(5000)].filter((s) => !ONLY || ONLY.some((o) => s.name.includes(o)));
  const dir = mkdtempSync(join(tmpdir(), 'tsne-bench-'));
  console.log(`CPU: ${cpus()[0]?.model ?? '?'} × ${cpus().length}; Node ${process.version}; ours: 1 JavaScript thread; ${REPEAT} run(s) each, median`);
  const header = ['set', 'n', 'sklearn s', 'ours s', 'ours/sklearn', 'T sklearn', 'T ours', 'T ours − sklearn', 'sklearn iters'];
  const rows: string[][] = [];
  let threads = '';
  try {
    for (const set of sets) {
      const sk = runSklearn(set, dir);
      threads = `scikit-learn ${sk.result.sklearn}: ${sk.result.openmpThreads} OpenMP threads (gradient), BLAS ${sk.result.blasThreads}`;
      const ours = runOurs(set);
      const tSk = trustworthiness(set.data, sk.layout, set.n, set.d, 2, TRUST_K);
      const tOurs = trustworthiness(set.data, ours.layout, set.n, set.d, 2, TRUST_K);
      const skS = median(sk.result.seconds);
      const ourS = median(ours.seconds);
      const row = [set.name, String(set.n), skS.toFixed(2), ourS.toFixed(2), (ourS / skS).toFixed(2), tSk.toFixed(4), tOurs.toFixed(4), (tOurs - tSk).toFixed(4), String(sk.result.nIter)];
      rows.push(row);
      console.log(`  ${set.name}: sklearn ${skS.toFixed(2)} s, ours ${ourS.toFixed(2)} s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(threads);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((x, c) => x.padStart(widths[c]!)).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

main();
