/**
 * What the training worker does when the WebGPU device goes away mid-run (a driver reset, a GPU process crash,
 * another tab's load, or the test hook's destroy()): it notices through `device.lost`, drops the dead backend
 * (keeping its factory, so a later run gets a fresh device), and picks the next backend in the usual order
 * (WebGL on a hardware renderer, then WASM, then CPU). The run itself goes on from a snapshot (engine/snapshot.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../shared/config';
import { SOFTWARE_RENDERER, trySet, webglRenderer, type BackendEnv } from './backend';

/** The order backends are tried in (engine/backend.ts chooses the same way). */
const ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface DeviceWatch {
  /** Why the device was lost ("destroyed: …"), or null while it lives. */
  readonly lost: string | null;
  /** Resolves with that reason once the device is lost (never, while it lives). */
  readonly whenLost: Promise<string>;
}

function activeDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GPUDevice }).device ?? null;
}

/** Watches the active backend's WebGPU device; null when the active backend is not WebGPU. */
export function watchDevice(): DeviceWatch | null {
  const device = activeDevice();
  if (!device) return null;
  const watch: { lost: string | null; whenLost: Promise<string> } = { lost: null, whenLost: Promise.resolve('') };
  watch.whenLost = device.lost.then((info) => {
    const reason = [info.reason, info.message].filter(Boolean).join(': ') || 'unknown reason';
    watch.lost = reason;
    return reason;
  });
  return watch;
}

/** For tests: destroys the active WebGPU device, as a lost device would be (false when the backend is not WebGPU). */
export function destroyDevice(): boolean {
  const device = activeDevice();
  if (!device) return false;
  device.destroy();
  return true;
}

/**
 * Whether an error thrown while training on WebGPU came from the device's loss: true when the watch says so at
 * once or within `waitMs` (the lost promise may settle just after the failed read-back).
 */
export async function lostDevice(watch: DeviceWatch | null, waitMs = 1000): Promise<boolean> {
  if (!watch) return false;
  if (watch.lost) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
  const r = await Promise.race([watch.whenLost, timeout]);
  clearTimeout(timer);
  return r !== null;
}

/**
 * Forgets a backend whose device is gone (its tensors must be disposed first), but keeps its factory, so that
 * asking for it again later makes a new one. Never throws: disposing a lost device's buffers may.
 */
export function dropBackend(name: BackendName): void {
  const factory = tf.findBackendFactory(name);
  try {
    tf.removeBackend(name);
  } catch {
    // The backend's own dispose failed on the dead device: it is gone from the registry either way.
  }
  if (factory && !tf.findBackendFactory(name)) tf.registerBackend(name, factory, name === 'webgpu' ? 3 : 1);
}

/**
 * Activates the first backend after `lost` in the usual order that works here (WebGL only on a hardware renderer);
 * CPU always does. Returns its name and what was skipped on the way, in words.
 */
export async function fallbackBackend(env: BackendEnv, lost: BackendName): Promise<{ name: BackendName; skipped: string[] }> {
  const skipped: string[] = [];
  for (const name of ORDER.slice(ORDER.indexOf(lost) + 1)) {
    const err = await trySet(env, name);
    if (err) {
      skipped.push(`no ${name} (${err})`);
      continue;
    }
    if (name === 'webgl') {
      const renderer = webglRenderer();
      if (SOFTWARE_RENDERER.test(renderer)) {
        skipped.push(`WebGL renders in software (${renderer})`);
        continue;
      }
    }
    return { name, skipped };
  }
  await tf.setBackend('cpu');
  return { name: 'cpu', skipped };
}
