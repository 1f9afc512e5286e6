/**
 * Fixes to tfjs 4.22's kernels that training needs, and the WASM backend's slow ones (see `npm run
 * bench:profile`). The CPU backend's Transform returns after the first image of a batch (the others stay at the
 * fill value); we replace it. tfjs-backend-wasm lacks Conv2DBackpropFilter (a conv net cannot train there) and
 * runs Conv2DBackpropInput, transposed matmuls, Transpose (so Sum/Mean over non-inner axes) as scalar loops;
 * we put each on XNNPACK's GEMM, convolution or pooling instead, with the copies around them done on the heap
 * (engine/wasmLoops.ts). Each is checked against the CPU backend in kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { filterGradImages, FilterGradHelperFailure, FilterGradHelperTimeout, type FilterGradHelper, type FilterGradJob } from './filterGradDirect';
import { wasmLoopsFor, wasmMemoryOf, type FilterGradKernels, type WasmLoops } from './wasmLoops';

/** What our WASM kernels use of tfjs-backend-wasm's backend (its tensors live on the WASM heap). */
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  incRef(dataId: tf.DataId): void;
  /** Byte offset of a tensor's data on the heap. */
  getMemoryOffset(dataId: tf.DataId): number;
}

/** The compiled copy loops on this backend's memory (engine/wasmLoops.ts), unless switched off or unavailable. */
function loopsFor(backend: WasmBackend): WasmLoops | null {
  return options.wasmLoops ? wasmLoopsFor(backend) : null;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

/**
 * A view of a float32 tensor on the WASM heap. Take views after the last allocation of a kernel: growing the
 * heap can detach the buffer behind older views.
 */
function heap(backend: WasmBackend, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/**
 * Runs another kernel of the 'wasm' backend directly on TensorInfos (as the backend's own kernels call one
 * another): no engine bookkeeping, and the output is ours to dispose with backend.disposeData. Looked up at
 * each call so wrapped kernels (ours, or the profiler's timers) are the ones that run.
 */
function wasmKernel(name: string, inputs: Record<string, tf.TensorInfo>, attrs: object, backend: WasmBackend): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`kernel ${name} is not registered for wasm`);
  return k.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, attrs: attrs as tf.NamedAttrMap, backend: backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** Choices the benchmarks compare; the defaults are what the app uses. */
export interface WasmKernelOptions {
  /**
   * The filter gradient's GEMM: BatchMatMul, or a 1×1 Conv2D (on XNNPACK's thread pool); 'auto' is the BatchMatMul,
   * measured faster with 1 and with 2 threads on a 2-core machine (`npm run bench:profile -- --browser --filter-gemm …`).
   */
  filterGemm: 'auto' | 'matmul' | 'conv';
  /**
   * The filter gradient: computed directly from x and dy by our WebAssembly SIMD tiles (backpropFilterDirect), or
   * as im2col + GEMM (backpropFilter; also where WASM SIMD is missing). 'direct' measured about twice as fast on
   * the model's three layers (`npm run bench:profile -- --browser --shapes --filter-grad direct|gemm`).
   */
  filterGrad: 'direct' | 'gemm';
  /** Run the kernels' copy loops as WebAssembly (engine/wasmLoops.ts) rather than JS. */
  wasmLoops: boolean;
}

const options: WasmKernelOptions = { filterGemm: 'auto', filterGrad: 'direct', wasmLoops: true };

/** Whether the compiled copy loops are in use on the active backend (for tests). */
export function wasmLoopsActive(): boolean {
  return loopsFor(tf.backend() as unknown as WasmBackend) !== null;
}

/** The direct filter-gradient kernels on this backend's memory, if chosen and available. */
function filterGradFor(backend: WasmBackend): FilterGradKernels | null {
  return options.filterGrad === 'direct' ? (wasmLoopsFor(backend)?.filterGrad ?? null) : null;
}

/** Whether Conv2DBackpropFilter takes the direct WebAssembly path on the active backend (for tests). */
export function directFilterGradActive(): boolean {
  return filterGradFor(tf.backend() as unknown as WasmBackend) !== null;
}

export function setWasmKernelOptions(o: Partial<WasmKernelOptions>): void {
  Object.assign(options, o);
}

/** What the two convolution-gradient kernels' attributes share. */
interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface BackpropFilterAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

interface BackpropInputAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

/**
 * Writes Pᵀ, the transposed im2col matrix of x ([KH·KW·C, N·OH·OW], row (kh, kw, ci), column (n, oh, ow)), to
 * `ps`. Loops run over output positions with the channels innermost, so x is read in order and the C rows
 * being written stay in cache.
 */
function im2colT(
  xs: Float32Array, ps: Float32Array, n: number, H: number, W: number, C: number, OH: number, OW: number,
  KH: number, KW: number, sh: number, sw: number, pt: number, pl: number, wasm: { loops: WasmLoops; x: number; p: number } | null,
): void {
  const M = n * OH * OW;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const m0 = (b * OH + oh) * OW;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh - pt;
        for (let kw = 0; kw < KW; kw++) {
          const rowBase = (kh * KW + kw) * C * M + m0;
          if (ih < 0 || ih >= H) {
            for (let ci = 0; ci < C; ci++) ps.fill(0, rowBase + ci * M, rowBase + ci * M + OW);
            continue;
          }
          // Output columns whose input column ow·s + kw − pl lies inside the image.
          const owLo = Math.min(OW, Math.max(0, Math.ceil((pl - kw) / sw)));
          const owHi = Math.max(owLo, Math.min(OW, Math.floor((W - 1 + pl - kw) / sw) + 1));
          for (let ci = 0; ci < C; ci++) {
            const r = rowBase + ci * M;
            for (let ow = 0; ow < owLo; ow++) ps[r + ow] = 0;
            for (let ow = owHi; ow < OW; ow++) ps[r + ow] = 0;
          }
          const srcRow = (b * H + ih) * W;
          if (wasm) {
            const count = owHi - owLo;
            const src = wasm.x + 4 * (srcRow + owLo * sw + kw - pl) * C;
            const dst = wasm.p + 4 * (rowBase + owLo);
            const groups = wasm.loops.scatter4 && C % 4 === 0 ? Math.floor(count / 4) : 0;
            if (groups) wasm.loops.scatter4!(src, dst, groups, 4 * sw * C, C, 4 * M);
            if (count > 4 * groups) wasm.loops.scatter(src + 16 * groups * sw * C, dst + 16 * groups, count - 4 * groups, 4 * sw * C, C, 4 * M);
            continue;
          }
          if (C === 1) {
            let src = srcRow + owLo * sw + kw - pl;
            for (let ow = owLo; ow < owHi; ow++, src += sw) ps[rowBase + ow] = xs[src]!;
            continue;
          }
          for (let ow = owLo; ow < owHi; ow++) {
            const src = (srcRow + ow * sw + kw - pl) * C;
            let dst = rowBase + ow;
            for (let ci = 0; ci < C; ci++, dst += M) ps[dst] = xs[src + ci]!;
          }
        }
      }
    }
  }
}

/**
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} x_pad[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co], i.e. dW = Pᵀ·dy with P
 * the im2col matrix of x ([N·OH·OW, KH·KW·Cin]). We write Pᵀ straight from x on the heap (a gather, no
 * arithmetic), and the reduction is one GEMM on XNNPACK: a BatchMatMul Pᵀ · dy[N·OH·OW, Cout], or (an option
 * for the benchmarks) a 1×1 Conv2D of Pᵀ (as [1, KH·KW·Cin, 1, N·OH·OW]) with dy as its filter, which runs on
 * XNNPACK's thread pool where BatchMatMul runs on one thread, but packs a filter as long as the batch and was
 * no faster. Blocking the long reduction into short GEMMs was tried too: XNNPACK builds an operator for each
 * (about 80 µs), which ate the gain. (tfjs-backend-wasm's transposed matmuls, and Transpose, are scalar loops.)
 * This is the fallback: by default (options.filterGrad 'direct', where WASM SIMD compiles) backpropFilterDirect
 * computes dW without Pᵀ, about twice as fast.
 */
function backpropFilter(x: tf.TensorInfo, dy: tf.TensorInfo, a: BackpropFilterAttrs, backend: WasmBackend): tf.TensorInfo {
  const asConv = options.filterGemm === 'conv';
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const { batchSize: n, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW } = info;
  const tiles = filterGradFor(backend);
  if (tiles && x.dtype === 'float32' && dy.dtype === 'float32' && dy.shape[1] === OH && dy.shape[2] === OW && dy.shape[3] === CO) {
    return backpropFilterDirect(x, dy, info, a.filterShape, tiles, backend);
  }
  const M = n * OH * OW;
  const R = KH * KW * C;
  const pT = backend.makeOutput(asConv ? [1, R, 1, M] : [R, M], 'float32');
  try {
    const loops = loopsFor(backend);
    // One channel reads and writes in order: the JS loop is as fast as the calls into WASM.
    const wasm = loops && C > 1 ? { loops, x: backend.getMemoryOffset(x.dataId), p: backend.getMemoryOffset(pT.dataId) } : null;
    im2colT(heap(backend, x), heap(backend, pT), n, H, W, C, OH, OW, KH, KW, sh, sw, info.padInfo.top, info.padInfo.left, wasm);
    const out = asConv
      ? wasmKernel(tf.Conv2D, { x: pT, filter: { dataId: dy.dataId, shape: [1, 1, M, CO], dtype: 'float32' } }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined }, backend)
      : wasmKernel(tf.BatchMatMul, { a: pT, b: { dataId: dy.dataId, shape: [M, CO], dtype: 'float32' } }, { transposeA: false, transposeB: false }, backend);
    return { dataId: out.dataId, shape: [...a.filterShape], dtype: 'float32' };
  } finally {
    backend.disposeData(pT.dataId);
  }
}

/**
 * The filter gradient straight from x and dy, without im2col (engine/filterGradDirect.ts): dW[kh, kw, ci, co] =
 * Σ_{n, oh, ow} x[n, oh·sh + kh − pt, ow·sw + kw − pl, ci] · dy[n, oh, ow, co] over the positions inside the image,
 * per block of images (in cache), per tap (kh, kw) and per tile of 4 input × 8 output channels, one WebAssembly call
 * (engine/wasmLoops.ts, FilterGradTile) keeping the tile's 32 sums in 8 SIMD registers. Channels that do not fill
 * such tiles take the narrower tiles of FILTER_GRAD_TILES (4 × 4, 4 × 1, and 1 × 16/8/4/1 for input channels beyond
 * a multiple of 4, e.g. a one-channel first layer). With a helper thread (setFilterGradHelper: where XNNPACK has
 * a pool of two or more threads, which waits while this kernel runs), the helper sums half of the images.
 * The im2col path writes and rereads Pᵀ (9·Cin floats per output position) and its GEMM streams the long
 * reduction (K = N·OH·OW) from memory; here x and dy are read from cache. Measured in Chromium (SimCLR step,
 * batch 128, two views; 4 alternating runs each): the three layers' filter gradients 42–62 ms a step, against
 * 95–119 ms for im2col + BatchMatMul (whose GEMMs alone took 65–83 ms).
 */
function backpropFilterDirect(
  x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, filterShape: [number, number, number, number], tiles: FilterGradKernels, backend: WasmBackend,
): tf.TensorInfo {
  const out = backend.makeOutput([...filterShape], 'float32');
  // Heap offsets stay put; views are taken after each allocation (growing the heap detaches older ones).
  const job: FilterGradJob = {
    x: backend.getMemoryOffset(x.dataId),
    dy: backend.getMemoryOffset(dy.dataId),
    dw: backend.getMemoryOffset(out.dataId),
    n: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    C: info.inChannels,
    OH: info.outHeight,
    OW: info.outWidth,
    CO: info.outChannels,
    sh: info.strideHeight,
    sw: info.strideWidth,
    KH: info.filterHeight,
    KW: info.filterWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
    from: 0,
    to: info.batchSize,
  };
  heap(backend, out).fill(0);
  const h = job.n > 1 ? helperFor(backend) : null;
  if (!h) {
    filterGradImages(tiles, job);
    return out;
  }
  // The helper sums the second half of the images into its own dW, added to ours once both are done.
  const mid = Math.ceil(job.n / 2);
  const part = backend.makeOutput([...filterShape], 'float32');
  let free = true;
  try {
    heap(backend, part).fill(0);
    h.run({ ...job, dw: backend.getMemoryOffset(part.dataId), from: mid }, () => filterGradImages(tiles, { ...job, to: mid }));
    const ours = heap(backend, out);
    const theirs = heap(backend, part);
    for (let i = 0; i < ours.length; i++) ours[i] = ours[i]! + theirs[i]!;
  } catch (e) {
    // A helper that failed or did not answer is not used again, and its half is summed here instead (ours is in
    // dW already). One that did not answer may write to its dW yet: that stays allocated (74 KB at the default width).
    if (!(e instanceof FilterGradHelperFailure)) throw e;
    free = !(e instanceof FilterGradHelperTimeout);
    console.warn(`${e.message}: the filter gradient goes on without it`);
    filterGradImages(tiles, { ...job, from: mid });
  } finally {
    if (free) backend.disposeData(part.dataId);
  }
  return out;
}

let helper: { helper: FilterGradHelper; memory: WebAssembly.Memory } | null = null;

/**
 * Gives the direct filter gradient a helper thread (see backpropFilterDirect) that runs the tiles on `memory`, or
 * takes it away (null). It serves only a backend on that memory.
 */
export function setFilterGradHelper(h: FilterGradHelper | null, memory?: WebAssembly.Memory): void {
  helper = h && memory ? { helper: h, memory } : null;
}

/** The helper for this backend, if one serves its memory and is ready. */
function helperFor(backend: WasmBackend): FilterGradHelper | null {
  return helper && helper.memory === wasmMemoryOf(backend) && helper.helper.ready ? helper.helper : null;
}

/**
 * dx of a convolution, as ordinary convolutions on XNNPACK. With stride s, split dx by the phase (rh, rw) of its
 * padded position b = i + pad = s·q + r: dx[s·q + r] = Σ_j dy[q − j] · W[r + s·j], a stride-1 convolution of dy
 * with the taps of W at r, r + s, … (reversed, in/out channels swapped). So s² small convolutions give the s²
 * phases, which are then interleaved into dx (a copy). With stride 1 there is one phase, and it is dx itself:
 * dy convolved with the flipped filter. Returns null for paddings this does not cover (the caller falls back).
 */
function backpropInput(dy: tf.TensorInfo, filter: tf.TensorInfo, a: BackpropInputAttrs, backend: WasmBackend): tf.TensorInfo | null {
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const { batchSize: n, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW } = info;
  if (dy.shape[1] !== OH || dy.shape[2] !== OW) return null;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Phase rows q from q0 to Q − 1 cover the padded positions pt … pt + H − 1.
  const q0h = Math.floor(pt / sh);
  const q0w = Math.floor(pl / sw);
  const Qh = Math.ceil((H + pt) / sh);
  const Qw = Math.ceil((W + pl) / sw);
  const padBottom = Math.max(0, Qh - OH);
  const padRight = Math.max(0, Qw - OW);
  const Lh = OH - q0h + padBottom;
  const Lw = OW - q0w + padRight;
  const taps = (k: number, r: number, s: number) => Math.max(0, Math.ceil((k - r) / s));
  for (let r = 0; r < sh; r++) if (taps(KH, r, sh) > 0 && taps(KH, r, sh) - 1 - q0h < 0) return null;
  for (let r = 0; r < sw; r++) if (taps(KW, r, sw) > 0 && taps(KW, r, sw) - 1 - q0w < 0) return null;
  const w = heap(backend, filter).slice();
  const phases: (tf.TensorInfo | null)[] = [];
  try {
    for (let rh = 0; rh < sh; rh++) {
      for (let rw = 0; rw < sw; rw++) {
        const Jh = taps(KH, rh, sh);
        const Jw = taps(KW, rw, sw);
        if (Jh === 0 || Jw === 0) {
          phases.push(null);
          continue;
        }
        // G[th, tw, co, ci] = W[rh + s·(Jh − 1 − th), rw + s·(Jw − 1 − tw), ci, co]
        const g = new Float32Array(Jh * Jw * CO * C);
        for (let th = 0; th < Jh; th++)
          for (let tw = 0; tw < Jw; tw++) {
            const kh = rh + sh * (Jh - 1 - th);
            const kw = rw + sw * (Jw - 1 - tw);
            for (let co = 0; co < CO; co++)
              for (let ci = 0; ci < C; ci++) g[((th * Jw + tw) * CO + co) * C + ci] = w[((kh * KW + kw) * C + ci) * CO + co]!;
          }
        const gt = backend.makeOutput([Jh, Jw, CO, C], 'float32', undefined, g);
        try {
          const pad = [[0, 0], [Jh - 1 - q0h, padBottom], [Jw - 1 - q0w, padRight], [0, 0]];
          phases.push(wasmKernel(tf.Conv2D, { x: dy, filter: gt }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined }, backend));
        } finally {
          backend.disposeData(gt.dataId);
        }
      }
    }
    if (sh === 1 && sw === 1 && Lh === H && Lw === W && phases[0]) {
      const only = phases[0];
      phases.length = 0;
      return only;
    }
    const dx = backend.makeOutput([n, H, W, C], 'float32');
    const loops = loopsFor(backend);
    if (loops) {
      const ptrs = phases.map((p) => (p ? backend.getMemoryOffset(p.dataId) : -1));
      interleavePhasesWasm(loops, heap(backend, dx), backend.getMemoryOffset(dx.dataId), ptrs, n, H, W, C, sh, sw, pt, pl, q0h, q0w, Lh, Lw);
    } else interleavePhases(heap(backend, dx), phases.map((p) => (p ? heap(backend, p) : null)), n, H, W, C, sh, sw, pt, pl, q0h, q0w, Lh, Lw);
    return dx;
  } finally {
    for (const p of phases) if (p) backend.disposeData(p.dataId);
  }
}

/** dx[b, i, j] = phase (r_i, r_j)[b, q_i − q0h, q_j − q0w] with i + pt = s·q_i + r_i (0 where a phase has no taps). */
function interleavePhases(
  out: Float32Array, views: (Float32Array | null)[], n: number, H: number, W: number, C: number, sh: number, sw: number,
  pt: number, pl: number, q0h: number, q0w: number, Lh: number, Lw: number,
): void {
  for (let b = 0; b < n; b++) {
    for (let ih = 0; ih < H; ih++) {
      const qh = Math.floor((ih + pt) / sh);
      const rh = ih + pt - qh * sh;
      const rowSrc = (b * Lh + qh - q0h) * Lw;
      let dst = (b * H + ih) * W * C;
      for (let iw = 0; iw < W; iw++, dst += C) {
        const qw = Math.floor((iw + pl) / sw);
        const v = views[rh * sw + iw + pl - qw * sw];
        if (!v) {
          out.fill(0, dst, dst + C);
          continue;
        }
        const src = (rowSrc + qw - q0w) * C;
        for (let c = 0; c < C; c++) out[dst + c] = v[src + c]!;
      }
    }
  }
}

/** interleavePhases with the compiled copy loop: per output row and column phase, one strided run of pixels. */
function interleavePhasesWasm(
  loops: WasmLoops, out: Float32Array, outPtr: number, ptrs: number[], n: number, H: number, W: number, C: number, sh: number, sw: number,
  pt: number, pl: number, q0h: number, q0w: number, Lh: number, Lw: number,
): void {
  for (let b = 0; b < n; b++) {
    for (let ih = 0; ih < H; ih++) {
      const qh = Math.floor((ih + pt) / sh);
      const rh = ih + pt - qh * sh;
      const dstRow = (b * H + ih) * W;
      for (let rw = 0; rw < sw; rw++) {
        // Columns iw0, iw0 + s, … have phase rw, and read phase columns qw0, qw0 + 1, …
        const iw0 = (((rw - pl) % sw) + sw) % sw;
        if (iw0 >= W) continue;
        const count = Math.floor((W - 1 - iw0) / sw) + 1;
        const qw0 = (iw0 + pl - rw) / sw;
        const src = ptrs[rh * sw + rw]!;
        if (src < 0) {
          for (let k = 0; k < count; k++) out.fill(0, (dstRow + iw0 + k * sw) * C, (dstRow + iw0 + k * sw + 1) * C);
          continue;
        }
        loops.copyRuns(src + 4 * ((b * Lh + qh - q0h) * Lw + qw0 - q0w) * C, outPtr + 4 * (dstRow + iw0) * C, count, 4 * C, 4 * sw * C, 4 * C);
      }
    }
  }
}

/** Copies t with its last two axes swapped ([..., r, c] → [..., c, r]) into a new heap tensor. */
function transposeLast2(t: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const shape = t.shape;
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  const batch = shape.slice(0, -2).reduce((p, q) => p * q, 1);
  const out = backend.makeOutput([...shape.slice(0, -2), c, r], 'float32');
  const src = heap(backend, t);
  const dst = heap(backend, out);
  const B = 32;
  for (let b = 0; b < batch; b++) {
    const o = b * r * c;
    for (let i0 = 0; i0 < r; i0 += B)
      for (let j0 = 0; j0 < c; j0 += B) {
        const i1 = Math.min(r, i0 + B);
        const j1 = Math.min(c, j0 + B);
        for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) dst[o + j * r + i] = src[o + i * c + j]!;
      }
  }
  return out;
}

/**
 * Sum or Mean over one contiguous block of axes that is not innermost (a bias gradient reduces [N, H, W] of
 * NHWC; global average pooling reduces [H, W]), as XNNPACK's average pooling: x viewed as [outer, mid, 1,
 * inner], pooled over [mid, 1]. The WASM Sum and Mean kernels transpose such inputs first (a scalar Transpose).
 * Returns null for the cases they handle well.
 */
function reduceBlock(x: tf.TensorInfo, axis: number | number[], keepDims: boolean, mean: boolean, backend: WasmBackend): tf.TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const rank = x.shape.length;
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  if (!axes.length || axes[axes.length - 1] === rank - 1) return null;
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1]! + 1) return null;
  const size = (from: number, to: number) => x.shape.slice(from, to).reduce((p, q) => p * q, 1);
  const outer = size(0, axes[0]!);
  const mid = size(axes[0]!, axes[axes.length - 1]! + 1);
  const inner = size(axes[axes.length - 1]! + 1, rank);
  if (outer * mid * inner === 0) return null;
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  const view: tf.TensorInfo = { dataId: x.dataId, shape: [outer, mid, 1, inner], dtype: 'float32' };
  const out = wasmKernel(tf.AvgPool, { x: view }, { filterSize: [mid, 1], strides: [1, 1], pad: 'valid', dimRoundingMode: undefined }, backend);
  if (!mean && mid !== 1) {
    const v = heap(backend, out);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * mid;
  }
  return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
}

/** Rows of x [N, ...] at int32 `indices` (GatherV2 on axis 0, no batch dims), copied on the heap. */
function gatherRows(x: tf.TensorInfo, indices: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const rows = x.shape[0]!;
  const row = x.shape.slice(1).reduce((p, q) => p * q, 1);
  const count = indices.shape.reduce((p, q) => p * q, 1);
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
  const idx = backend.typedArrayFromHeap(indices) as Int32Array;
  const src = heap(backend, x);
  const dst = heap(backend, out);
  for (let i = 0; i < count; i++) {
    const r = idx[i]!;
    if (!(r >= 0 && r < rows)) {
      backend.disposeData(out.dataId);
      throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
    }
    dst.set(src.subarray(r * row, (r + 1) * row), i * row);
  }
  return out;
}

interface TransformAttrs {
  interpolation: 'nearest' | 'bilinear';
  fillMode: string;
  fillValue: number;
  outputShape?: [number, number];
}

/**
 * tf.image.transform's arithmetic, every image of the batch with its own matrix (TensorFlow's
 * ImageProjectiveTransformV3 semantics), 'constant' fill with bilinear or nearest sampling, into `out`
 * ([batch, oh, ow, c]).
 */
function transformInto(img: ArrayLike<number>, tv: ArrayLike<number>, perImage: boolean, out: Float32Array, shape: number[], oh: number, ow: number, a: TransformAttrs): void {
  const [batch, h, w, c] = shape as [number, number, number, number];
  const fill = a.fillValue;
  const nearest = a.interpolation === 'nearest';
  out.fill(fill);
  for (let b = 0; b < batch; b++) {
    const t = perImage ? b * 8 : 0;
    const t0 = tv[t]!, t1 = tv[t + 1]!, t2 = tv[t + 2]!, t3 = tv[t + 3]!, t4 = tv[t + 4]!, t5 = tv[t + 5]!, t6 = tv[t + 6]!, t7 = tv[t + 7]!;
    const base = b * h * w * c;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const proj = t6 * x + t7 * y + 1;
        if (proj === 0) continue;
        const ix = (t0 * x + t1 * y + t2) / proj;
        const iy = (t3 * x + t4 * y + t5) / proj;
        const o = ((b * oh + y) * ow + x) * c;
        if (nearest) {
          const nx = Math.round(ix);
          const ny = Math.round(iy);
          if (nx >= 0 && nx < w && ny >= 0 && ny < h) for (let ch = 0; ch < c; ch++) out[o + ch] = img[base + (ny * w + nx) * c + ch]!;
          continue;
        }
        // Bilinear between the four neighbours; a neighbour outside the image reads the fill value.
        const x0 = Math.floor(ix);
        const y0 = Math.floor(iy);
        const fx = ix - x0;
        const fy = iy - y0;
        const inX0 = x0 >= 0 && x0 < w;
        const inX1 = x0 + 1 >= 0 && x0 + 1 < w;
        const inY0 = y0 >= 0 && y0 < h;
        const inY1 = y0 + 1 >= 0 && y0 + 1 < h;
        const p00 = base + (y0 * w + x0) * c;
        const p10 = p00 + w * c;
        for (let ch = 0; ch < c; ch++) {
          const v00 = inY0 && inX0 ? img[p00 + ch]! : fill;
          const v01 = inY0 && inX1 ? img[p00 + c + ch]! : fill;
          const v10 = inY1 && inX0 ? img[p10 + ch]! : fill;
          const v11 = inY1 && inX1 ? img[p10 + c + ch]! : fill;
          const top = (1 - fx) * v00 + fx * v01;
          const bottom = (1 - fx) * v10 + fx * v11;
          out[o + ch] = (1 - fy) * top + fy * bottom;
        }
      }
    }
  }
}

/** tf.image.transform for the CPU backend (its own kernel returns after the first image of a batch). */
function cpuTransform({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const { image, transforms } = inputs as { image: tf.TensorInfo; transforms: tf.TensorInfo };
  const a = attrs as unknown as TransformAttrs;
  if (a.fillMode !== 'constant') throw new Error(`Transform on cpu: fill mode ${a.fillMode} is not supported`);
  const cpu = backend as { data: { get(id: tf.DataId): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo };
  const [batch, h, w, c] = image.shape as [number, number, number, number];
  const [oh, ow] = a.outputShape ?? [h, w];
  const out = new Float32Array(batch * oh * ow * c);
  transformInto(cpu.data.get(image.dataId).values, cpu.data.get(transforms.dataId).values, transforms.shape[0] !== 1, out, image.shape, oh, ow, a);
  return cpu.makeTensorInfo([batch, oh, ow, c], image.dtype, out);
}

/**
 * A depthwise convolution of one-channel images (a blur of grayscale views) with the batch moved to the channel
 * axis: XNNPACK vectorises over channels, so [N, H, W, 1] runs as [1, H, W, N] with the filter repeated N
 * times. The WASM kernel on one channel does one lane at a time.
 */
function depthwiseOneChannel(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.NamedAttrMap, backend: WasmBackend, inner: tf.KernelFunc): tf.TensorInfo {
  const [n, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = filter.shape as [number, number, number, number];
  const xt = backend.makeOutput([1, h, w, n], 'float32');
  const ft = backend.makeOutput([kh, kw, n, 1], 'float32');
  const temps = [xt, ft];
  try {
    const xs = heap(backend, x);
    const xd = heap(backend, xt);
    const hw = h * w;
    for (let b = 0; b < n; b++) for (let p = 0; p < hw; p++) xd[p * n + b] = xs[b * hw + p]!;
    const fs = heap(backend, filter);
    const fd = heap(backend, ft);
    for (let k = 0; k < kh * kw; k++) fd.fill(fs[k]!, k * n, (k + 1) * n);
    const yt = inner({ inputs: { x: xt, filter: ft }, attrs, backend: backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
    temps.push(yt);
    const [, oh, ow] = yt.shape as [number, number, number, number];
    const out = backend.makeOutput([n, oh, ow, 1], 'float32');
    const ys = heap(backend, yt);
    const od = heap(backend, out);
    const ohw = oh * ow;
    for (let p = 0; p < ohw; p++) for (let b = 0; b < n; b++) od[b * ohw + p] = ys[p * n + b]!;
    return out;
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

let cpuDone = false;
let wasmDone = false;

/** Replaces a registered kernel's function, keeping its setup (WASM kernels bind their C functions there). */
function wrapKernel(name: string, backendName: string, make: (inner: tf.KernelFunc) => tf.KernelFunc): void {
  const k = tf.getKernel(name, backendName);
  if (!k) return;
  tf.unregisterKernel(name, backendName);
  tf.registerKernel({ ...k, kernelFunc: make(k.kernelFunc) });
}

/**
 * Registers our kernels (idempotent): a batch-correct Transform on 'cpu'; on 'wasm', the two convolution
 * gradients on XNNPACK (Conv2DBackpropFilter, which tfjs-backend-wasm lacks, and Conv2DBackpropInput, whose
 * WASM kernel is a scalar loop), a copy-free Identity and same-type Cast (the gradient tape clones every tensor
 * it saves), matmuls with a transposed operand on the fast path, Sum/Mean over leading or middle axes without a
 * Transpose, a row gather on axis 0, and one-channel depthwise convolutions with the batch as channels.
 * The WASM part waits until tfjs-backend-wasm has registered its kernels (a later call then applies it).
 */
export function registerKernelFixes(): void {
  if (!cpuDone) {
    cpuDone = true;
    if (tf.getKernel(tf.Transform, 'cpu')) tf.unregisterKernel(tf.Transform, 'cpu');
    tf.registerKernel({ kernelName: tf.Transform, backendName: 'cpu', kernelFunc: cpuTransform as unknown as tf.KernelFunc });
  }
  if (wasmDone || !tf.getKernel(tf.Conv2D, 'wasm')) return;
  wasmDone = true;
  // Hand the engine our outputs as bare TensorInfos, as built-in kernels do.
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as BackpropFilterAttrs;
      if (a.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      return backpropFilter(x, dy, a, backend as unknown as WasmBackend);
    },
  });
  wrapKernel(tf.Conv2DBackpropInput, 'wasm', (inner) => (args) => {
    const { inputs, attrs, backend } = args as KernelArgs;
    const a = attrs as unknown as BackpropInputAttrs;
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const out = a.dataFormat === 'NHWC' && dy.dtype === 'float32' ? backpropInput(dy, filter, a, backend as WasmBackend) : null;
    return out ?? inner(args);
  });
  wrapKernel(tf.Identity, 'wasm', (inner) => (args) => {
    const { inputs, backend } = args as KernelArgs;
    const x = inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return inner(args);
    (backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  wrapKernel(tf.BatchMatMul, 'wasm', (inner) => (args) => {
    const { inputs, attrs, backend } = args as KernelArgs;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') return inner(args);
    const be = backend as WasmBackend;
    const at = transposeA ? transposeLast2(a, be) : a;
    const bt = transposeB ? transposeLast2(b, be) : b;
    try {
      return inner({ inputs: { a: at, b: bt }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend } as Parameters<tf.KernelFunc>[0]);
    } finally {
      if (at !== a) be.disposeData(at.dataId);
      if (bt !== b) be.disposeData(bt.dataId);
    }
  });
  wrapKernel(tf.DepthwiseConv2dNative, 'wasm', (inner) => (args) => {
    const { inputs, attrs, backend } = args as KernelArgs;
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const oneChannel = x.dtype === 'float32' && x.shape[3] === 1 && filter.shape[3] === 1 && x.shape[0]! > 1 && (attrs as unknown as { dataFormat?: string }).dataFormat !== 'NCHW';
    return oneChannel ? depthwiseOneChannel(x, filter, attrs!, backend as WasmBackend, inner) : inner(args);
  });
  wrapKernel(tf.Cast, 'wasm', (inner) => (args) => {
    const { inputs, attrs, backend } = args as KernelArgs;
    const x = inputs.x as tf.TensorInfo;
    if ((attrs as unknown as { dtype: tf.DataType }).dtype !== x.dtype || x.dtype === 'string') return inner(args);
    (backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  wrapKernel(tf.GatherV2, 'wasm', (inner) => (args) => {
    const { inputs, attrs, backend } = args as KernelArgs;
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
    const simple = x.dtype === 'float32' && indices.dtype === 'int32' && (batchDims ?? 0) === 0 && tf.util.parseAxisParam(axis, x.shape)[0] === 0 && x.shape.length > 1;
    return simple ? gatherRows(x, indices, backend as WasmBackend) : inner(args);
  });
  for (const [name, mean] of [[tf.Sum, false], [tf.Mean, true]] as const) {
    wrapKernel(name, 'wasm', (inner) => (args) => {
      const { inputs, attrs, backend } = args as KernelArgs;
      const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
      return reduceBlock(inputs.x as tf.TensorInfo, axis, keepDims, mean, backend as WasmBackend) ?? inner(args);
    });
  }
}
