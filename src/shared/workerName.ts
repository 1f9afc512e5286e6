/**
 * The training worker's name: "train", then optionally "threads=N" (XNNPACK's pool size on WASM, for the
 * benchmarks; the app leaves it to engine/wasmThreads.ts), then the config it gets ready for at start-up, in the
 * share-link format, each after a space. A name is the one thing a worker can read before any message reaches it
 * (messages to a worker that is still loading wait for the page's thread, which may be evaluating plotly then).
 */
import { configFromHash, configToHash, type TrainConfig } from './config';

/** The most XNNPACK threads a name may ask for. */
export const MAX_NAMED_THREADS = 16;

export function trainWorkerName(config: TrainConfig | null, opts: { wasmThreads?: number } = {}): string {
  const parts = ['train'];
  if (opts.wasmThreads !== undefined) parts.push(`threads=${opts.wasmThreads}`);
  if (config) parts.push(configToHash(config)); // '' for the defaults: "train " carries them
  return parts.join(' ');
}

/**
 * The name's parts after "train": its thread count token (if any) and the config's hash (null where the name has
 * no place for one; '' is the default config); null for another worker's name.
 */
function parts(name: string): { threads: string | null; hash: string | null } | null {
  if (name !== 'train' && !name.startsWith('train ')) return null;
  const tokens = name.split(' ').slice(1);
  const threads = tokens[0]?.startsWith('threads=') ? tokens.shift()!.slice('threads='.length) : null;
  return { threads, hash: tokens.length ? tokens.join(' ') : null };
}

/** The config a training worker's name carries; null when it carries none or anything in it is not valid. */
export function configFromWorkerName(name: string): TrainConfig | null {
  const p = parts(name);
  if (!p || p.hash === null) return null;
  const { config, errors } = configFromHash(p.hash);
  return errors.length ? null : config;
}

/** The XNNPACK pool size a training worker's name asks for (a whole number from 1 to 16); null otherwise. */
export function wasmThreadsFromWorkerName(name: string): number | null {
  const t = parts(name)?.threads;
  if (!t || !/^\d{1,2}$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= MAX_NAMED_THREADS ? n : null;
}

/**
 * `?threads=N` in the page's address (not the share link's hash: a thread count belongs to a machine, not to a
 * config): XNNPACK's pool size on the WASM backend, a whole number from 1 to 16, for a user who wants more of a
 * machine's cores than the default half (engine/wasmThreads.ts), and for tests. Absent: null and no error.
 */
export function wasmThreadsFromQuery(search: string): { threads: number | null; error: string | null } {
  const raw = new URLSearchParams(search).get('threads');
  if (raw === null) return { threads: null, error: null };
  const n = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
  if (n >= 1 && n <= MAX_NAMED_THREADS) return { threads: n, error: null };
  const shown = raw.length > 20 ? `${raw.slice(0, 20)}…` : raw;
  return { threads: null, error: `ignored threads=${JSON.stringify(shown)} in the address: a whole number from 1 to ${MAX_NAMED_THREADS} (the WASM backend uses half the cores, at most 4)` };
}
