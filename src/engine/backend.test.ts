import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../shared/config';
import { chooseBackend, describeAdapter, type BackendEnv } from './backend';

function fakeAdapter(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }): GPUAdapter {
  return { info } as unknown as GPUAdapter;
}

/** Node has no WebGPU or WebGL: only 'wasm' and 'cpu' can really be set here. */
function env(adapter: GPUAdapter | null, measured: BackendName[] = []): BackendEnv {
  return {
    register: async (name) => name === 'wasm' || name === 'cpu',
    requestAdapter: async () => adapter,
    measure: async (name) => {
      measured.push(name);
      return 1;
    },
  };
}

describe('backend choice', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('recognises software adapters', () => {
    expect(describeAdapter(fakeAdapter({ vendor: 'google', architecture: 'swiftshader' })).software).toBe(true);
    expect(describeAdapter(fakeAdapter({ vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: true })).software).toBe(true);
    expect(describeAdapter(fakeAdapter({ vendor: 'nvidia', architecture: 'hopper' })).software).toBe(false);
  });

  it('skips a software WebGPU adapter and says why', async () => {
    const info = await chooseBackend('auto', env(fakeAdapter({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true })));
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.reason).toContain('WebGPU adapter is a software fallback (google swiftshader)');
    expect(info.reason).toContain('no WebGL');
  });

  it('says so when there is no adapter at all', async () => {
    const info = await chooseBackend('auto', env(null));
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(/^no WebGPU adapter/);
  });

  it('honours a forced backend, and falls back with a reason when it is unavailable', async () => {
    expect(await chooseBackend('cpu', env(null))).toEqual({ name: 'cpu', reason: 'cpu chosen in the settings' });
    const info = await chooseBackend('webgpu', env(null));
    expect(info.name).toBe('wasm');
    expect(info.reason).toContain('webgpu was asked for but is unavailable');
  });
});
