import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePng } from '../test/pngFixtures';

const dir = mkdtempSync(join(tmpdir(), 'cp-train-'));

function runCli(config: unknown, extra: string[] = []) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', '--config', file, ...extra], { encoding: 'utf8', timeout: 120_000 });
}

describe('npm run train (headless runner)', () => {
  it('prints one JSON line per logged step, with kNN accuracy when evaluated', () => {
    const r = runCli({ steps: 4, evalEvery: 2, batchSize: 8, width: 4, warmupSteps: 1 }, ['--log-every', '1']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines.map((l) => l.step)).toEqual([0, 1, 2, 3, 4]);
    expect(lines[0]!.knnAcc).toBeGreaterThan(0);
    for (const l of lines.slice(1)) {
      expect(Number.isFinite(l.loss)).toBe(true);
      expect(l.lr).toBeGreaterThanOrEqual(0);
      expect(l.acc).toBeGreaterThanOrEqual(0);
    }
    expect(lines[2]!.knnAcc).toBeDefined();
    expect(lines[1]!.knnAcc).toBeUndefined();
  });

  it('exits non-zero with a clear message on a bad config', () => {
    const r = runCli({ temperature: -1, batchSize: 1, method: 'nope' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('temperature τ must be greater than 0');
    expect(r.stderr).toContain('batch size must be at least 2');
    expect(r.stderr).toContain('unknown method "nope"');
    expect(r.stdout).toBe('');
  });

  it('exits non-zero on a file that is not JSON', () => {
    const r = runCli('{ steps: ');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is not valid JSON');
  });

  it('--data trains on a folder of images with one sub-folder per class', () => {
    const root = join(dir, 'pets');
    for (const [k, cls] of ['cat', 'dog'].entries()) {
      mkdirSync(join(root, cls), { recursive: true });
      for (let i = 0; i < 8; i++) writeFileSync(join(root, cls, `${i}.png`), makePng(12, 10, (x) => [k ? 255 - 10 * x : 10 * x + i, 40 * k, 0, 255]));
    }
    const r = runCli({ steps: 2, evalEvery: 2, batchSize: 4, width: 4, warmupSteps: 0 }, ['--data', root, '--size', '8']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ step: 0, dataset: 'custom', name: 'pets', n: 16 });
    expect(lines.at(-1)).toMatchObject({ step: 2 });
    expect(Number.isFinite(lines.at(-1)!.loss)).toBe(true);
  });

  it('--data with a file that is not data exits 2 with the reason', () => {
    const bad = join(dir, 'notes.txt');
    writeFileSync(bad, 'hello');
    const r = runCli({ steps: 2, warmupSteps: 0 }, ['--data', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('notes.txt is not an image, an IDX file or a CIFAR-10 batch');
  });
});
