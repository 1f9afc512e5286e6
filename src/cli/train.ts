/**
 * Headless runner: the same engine as the page, on tfjs' WASM (default) or CPU backend in Node.
 *   npm run train -- --config FILE.json [--backend wasm|cpu] [--log-every N]
 *                    [--data PATH ... [--size N] [--channels auto|gray|rgb]]
 * --data trains on your own data (folders or zips of PNG/JPEG images, IDX files, CIFAR-10 batches), as the
 * page's "Your own data". Prints one JSON line per logged step; exits 2 with a message on a bad config,
 * argument or data file.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { validateConfig, withDataset } from '../shared/config';
import { loadDatasetFromDisk } from '../engine/nodeData';
import { datasetFromFiles } from '../engine/imageFiles';
import { decodeImageNode, readInputFiles } from '../engine/nodeImage';
import { Trainer } from '../engine/trainer';
import { registerKernelFixes } from '../engine/kernels';

function fail(message: string): never {
  process.stderr.write(`train: ${message}\n`);
  process.exit(2);
}

interface Args {
  config?: string;
  backend: 'wasm' | 'cpu';
  logEvery: number;
  data: string[];
  size: number;
  channels: 'auto' | 'gray' | 'rgb';
}

const USAGE = '--config FILE.json [--backend wasm|cpu] [--log-every N] [--data PATH ... [--size N] [--channels auto|gray|rgb]]';

function parseArgs(argv: string[]): Args {
  const out: Args = { backend: 'wasm', logEvery: 10, data: [], size: 32, channels: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--config' && v) out.config = v;
    else if (a === '--backend' && (v === 'wasm' || v === 'cpu')) out.backend = v;
    else if (a === '--log-every' && v && Number.isInteger(Number(v)) && Number(v) > 0) out.logEvery = Number(v);
    else if (a === '--size' && v && Number.isInteger(Number(v)) && Number(v) >= 4 && Number(v) <= 128) out.size = Number(v);
    else if (a === '--channels' && (v === 'auto' || v === 'gray' || v === 'rgb')) out.channels = v;
    else if (a === '--data' && v) {
      // Every following argument up to the next option is a path.
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) out.data.push(argv[++i]!);
      continue;
    } else fail(`unknown or incomplete argument "${a}" (usage: ${USAGE})`);
    i++;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let raw: unknown = {};
  if (args.config) {
    let text: string;
    try {
      text = readFileSync(args.config, 'utf8');
    } catch (e) {
      fail(`cannot read config file ${args.config}: ${(e as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      fail(`config file ${args.config} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const r = validateConfig(raw);
  if (!r.ok) fail(`bad config:\n  ${r.errors.join('\n  ')}`);
  let dataset;
  let config = r.config;
  if (args.data.length) {
    try {
      dataset = await datasetFromFiles(readInputFiles(args.data), { size: args.size, channels: args.channels }, decodeImageNode);
    } catch (e) {
      fail(`cannot load --data: ${(e as Error).message}`);
    }
    config = withDataset(config, 'custom');
  } else if (config.dataset === 'custom') fail('dataset "custom" needs its files: give them with --data PATH ...');
  const backend = config.backend === 'cpu' || config.backend === 'wasm' ? config.backend : args.backend;
  registerKernelFixes();
  if (!(await tf.setBackend(backend))) fail(`backend ${backend} failed to initialise`);
  await tf.ready();
  const trainer = new Trainer(config, dataset ?? loadDatasetFromDisk(config.dataset));
  const print = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const evalFields = async () => {
    const e = await trainer.evaluate();
    return {
      knnAcc: round(e.knnAcc),
      knnAccZ: round(e.knnAccZ),
      ...(config.probes ? { probeH: round(e.probeH), probeZ: round(e.probeZ), probeH1: round(e.probeH1), probeH10: round(e.probeH10) } : {}),
      align: round(e.align),
      uniform: round(e.uniform),
      zStd: round(e.zStd),
      effRank: round(e.effRank),
    };
  };
  print({ step: 0, dataset: config.dataset, ...(dataset ? { name: dataset.name, n: dataset.n } : {}), method: config.method, backend, ...(config.evalEvery > 0 ? await evalFields() : {}) });
  while (!trainer.done) {
    const m = await trainer.trainStep();
    const stepNo = m.step + 1;
    const evalNow = config.evalEvery > 0 && (stepNo % config.evalEvery === 0 || stepNo === config.steps);
    let line: Record<string, number> = {
      step: stepNo,
      loss: round(m.loss),
      lr: round(m.lr),
      acc: round(m.acc),
      zStd: round(m.zStd),
      ms: Math.round(m.ms),
    };
    if (evalNow) line = { ...line, ...(await evalFields()) };
    if (evalNow || stepNo % args.logEvery === 0) print(line);
  }
  trainer.dispose();
}

function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

main().catch((e: unknown) => fail((e as Error).stack ?? String(e)));
