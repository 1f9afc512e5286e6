/**
 * Picks the training backend in the browser: WebGPU on a hardware adapter; otherwise the fastest of WebGL
 * (hardware renderers only) and WASM, measured by a short warm-up step when both are in the running; CPU
 * last. A software WebGPU adapter (SwiftShader) is never chosen automatically: here it is ~35× slower than WASM.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendName } from '../shared/config';
import type { BackendInfo } from '../shared/messages';

/** Environment hooks, so the choice logic is testable without a browser. */
export interface BackendEnv {
  /** Loads and registers a backend's module (webgpu, wasm); resolves false when it cannot be registered. */
  register(name: BackendName): Promise<boolean>;
  /** The WebGPU adapter, if any. */
  requestAdapter(): Promise<GPUAdapter | null>;
  /** Milliseconds of a short training step on the active backend. */
  measure(name: BackendName): Promise<number>;
}

export const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** Describes an adapter in a few words, and whether it is a software fallback. */
export function describeAdapter(adapter: GPUAdapter): { text: string; software: boolean } {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const parts = [info?.vendor, info?.architecture, info?.description].filter((p): p is string => !!p);
  const text = parts.join(' ') || 'unknown adapter';
  const fallback =
    (info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined)?.isFallbackAdapter === true ||
    (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { text, software: fallback || SOFTWARE_RENDERER.test(text) };
}

/** The WebGL renderer string of the active webgl backend ('' when unknown). */
export function webglRenderer(): string {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return '';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  } catch {
    return '';
  }
}

export async function trySet(env: BackendEnv, name: BackendName): Promise<string | null> {
  try {
    if (!(await env.register(name))) return 'not available in this build';
    if (!(await tf.setBackend(name))) return 'failed to initialise';
    await tf.ready();
    return null;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}

/** Chooses and activates a backend; the reason is shown on the status line. */
export async function chooseBackend(choice: BackendChoice, env: BackendEnv): Promise<BackendInfo> {
  const notes: string[] = [];
  if (choice !== 'auto') {
    const err = await trySet(env, choice);
    if (!err) return { name: choice, reason: `${choice} chosen in the settings` };
    notes.push(`${choice} was asked for but is unavailable (${err})`);
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await env.requestAdapter();
  } catch {
    adapter = null;
  }
  if (!adapter) notes.push('no WebGPU adapter');
  else {
    const a = describeAdapter(adapter);
    if (a.software) notes.push(`WebGPU adapter is a software fallback (${a.text})`);
    else {
      const err = await trySet(env, 'webgpu');
      if (!err) return { name: 'webgpu', reason: [...notes, `hardware WebGPU adapter (${a.text})`].join('; ') };
      notes.push(`WebGPU failed (${err})`);
    }
  }
  const candidates: BackendName[] = [];
  const glErr = choice === 'webgl' ? 'see above' : await trySet(env, 'webgl');
  if (!glErr) {
    const renderer = webglRenderer();
    if (SOFTWARE_RENDERER.test(renderer)) notes.push(`WebGL renders in software (${renderer})`);
    else candidates.push('webgl');
  } else if (choice !== 'webgl') notes.push(`no WebGL (${glErr})`);
  const wasmErr = choice === 'wasm' ? 'see above' : await trySet(env, 'wasm');
  if (!wasmErr) candidates.push('wasm');
  else if (choice !== 'wasm') notes.push(`no WASM (${wasmErr})`);
  if (candidates.length > 1) {
    const times: [BackendName, number][] = [];
    for (const name of candidates) {
      await tf.setBackend(name);
      times.push([name, await env.measure(name)]);
    }
    times.sort((a, b) => a[1] - b[1]);
    const best = times[0]![0];
    await tf.setBackend(best);
    const measured = times.map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(', ');
    return { name: best, reason: [...notes, `fastest in a measured warm-up step (${measured})`].join('; ') };
  }
  if (candidates.length === 1) {
    const only = candidates[0]!;
    await tf.setBackend(only);
    return { name: only, reason: [...notes, `using ${only}`].join('; ') };
  }
  await trySet(env, 'cpu');
  return { name: 'cpu', reason: [...notes, 'using the plain JavaScript CPU backend'].join('; ') };
}
