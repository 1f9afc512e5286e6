import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../shared/config';
import type { BackendEnv } from './backend';
import { dropBackend, fallbackBackend, lostDevice, watchDevice, type DeviceWatch } from './backendFallback';

/** Node has no WebGPU or WebGL: only the backends in `available` register. */
function env(available: BackendName[]): BackendEnv {
  return {
    register: async (name) => available.includes(name),
    requestAdapter: async () => null,
    measure: async () => 1,
  };
}

describe('falling back from a lost WebGPU device', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('takes the next backend in order that works, and says what it skipped', async () => {
    const a = await fallbackBackend(env(['wasm', 'cpu']), 'webgpu');
    expect(a.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(a.skipped).toEqual(['no webgl (not available in this build)']);
    const b = await fallbackBackend(env(['cpu']), 'webgpu');
    expect(b.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(b.skipped).toEqual(['no webgl (not available in this build)', 'no wasm (not available in this build)']);
    // From WASM, only the CPU is left.
    expect((await fallbackBackend(env(['wasm', 'cpu']), 'wasm')).name).toBe('cpu');
  });

  it('drops a dead backend but keeps its factory, so asking again makes a new one', async () => {
    let made = 0;
    const factory = tf.findBackendFactory('cpu')!;
    tf.registerBackend('fake-gpu', () => {
      made++;
      return factory();
    });
    await tf.setBackend('fake-gpu');
    const first = tf.backend();
    await tf.setBackend('cpu');
    dropBackend('fake-gpu' as BackendName);
    expect(tf.findBackendFactory('fake-gpu')).not.toBeNull();
    await tf.setBackend('fake-gpu');
    expect(made).toBe(2);
    expect(tf.backend()).not.toBe(first);
    await tf.setBackend('cpu');
    tf.removeBackend('fake-gpu');
  });

  it('has nothing to watch off WebGPU; a watch tells a loss that comes a little after the failure', async () => {
    await tf.setBackend('cpu');
    expect(watchDevice()).toBeNull();
    expect(await lostDevice(null)).toBe(false);
    let lose: (why: string) => void = () => {};
    const watch: { lost: string | null; whenLost: Promise<string> } = { lost: null, whenLost: new Promise((resolve) => (lose = resolve)) };
    setTimeout(() => lose('destroyed'), 20);
    expect(await lostDevice(watch as DeviceWatch, 1000)).toBe(true);
    const alive: DeviceWatch = { lost: null, whenLost: new Promise(() => {}) };
    expect(await lostDevice(alive, 30)).toBe(false);
  });
});
