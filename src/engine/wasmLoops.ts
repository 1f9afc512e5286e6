/**
 * Loops in WebAssembly for our WASM-backend kernels (engine/kernels.ts), run on tfjs-backend-wasm's own memory:
 * the im2col gather of the filter gradient's GEMM path and the phase interleave of the input gradient (copy
 * loops), and the register-tiled SIMD kernels of the direct filter gradient. In JS the copy loops over the heap
 * cost about 3 ns an element (a fifth of a training step); compiled, they run several times faster. The modules
 * (a few hundred bytes, 3 KB for the filter gradient's) are assembled here (no toolchain) and instantiated on the
 * backend's WebAssembly.Memory (shared in the threaded build). Where that memory cannot be reached, or a module
 * does not compile, callers keep their JS loops (and the filter gradient its im2col + GEMM).
 */

export interface WasmLoops {
  /**
   * for i < count, c < channels: f32[dst + 4i + c·rowStride] = f32[src + i·srcStep + 4c] (byte addresses): copies
   * `count` pixels of `channels` contiguous floats each into `channels` rows (one element per row and pixel).
   */
  scatter(src: number, dst: number, count: number, srcStep: number, channels: number, rowStride: number): void;
  /** for i < count: copy `bytes` bytes from src + i·srcStride to dst + i·dstStride. */
  copyRuns(src: number, dst: number, count: number, srcStride: number, dstStride: number, bytes: number): void;
  /**
   * scatter of 4·groups pixels with `channels` a multiple of 4, in 4 × 4 blocks transposed in SIMD registers
   * (four 16-byte stores per block instead of sixteen 4-byte ones); null where WASM SIMD is missing.
   */
  scatter4: ((src: number, dst: number, groups: number, srcStep: number, channels: number, rowStride: number) => void) | null;
  /** The direct filter-gradient kernels (see FilterGradKernels); null where WASM SIMD is missing. */
  filterGrad: FilterGradKernels | null;
}

/**
 * One register tile of the filter gradient dW[ci, co] += Σ x[p, ci] · dy[p, co] over the positions p of one tap
 * (kh, kw), in `ciTiles` × `coTiles` tiles of `ci` input channels × `co` output channels (byte addresses and strides):
 *   for t < ciTiles, u < coTiles, i < ci, j < co:
 *     f32[dw + (t·ci + i)·dwRow + 4(u·co + j)] += Σ_{b < images, r < rows, c < cols}
 *       f32[x + b·xImg + r·xRow + c·xCol + 4(t·ci + i)] · f32[dy + b·dyImg + r·dyRow + c·dyCol + 4(u·co + j)]
 * images, rows, cols, ciTiles and coTiles must be ≥ 1. The tile's sums stay in registers over all positions.
 */
export type FilterGradTile = (
  x: number, dy: number, dw: number, ciTiles: number, coTiles: number, images: number, rows: number, cols: number,
  xImg: number, dyImg: number, xRow: number, dyRow: number, xCol: number, dyCol: number, dwRow: number,
) => void;

/** The tile shapes: 4 input channels × 8, 4 or 1 output channels, and 1 input channel × 16, 8, 4 or 1. */
export const FILTER_GRAD_TILES = { 4: [8, 4, 1], 1: [16, 8, 4, 1] } as const;
export type FilterGradKernels = Record<`c${1 | 4}x${1 | 4 | 8 | 16}`, FilterGradTile>;

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const str = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

// Opcodes.
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const br = (d: number) => [0x0c, d];
const brIf = (d: number) => [0x0d, d];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const i32 = (v: number) => [0x41, v]; // small non-negative constants only (< 64)
const ADD = 0x6a;
const MUL = 0x6c;
const SHL = 0x74;
const GE_U = 0x4f;
const F32_LOAD = [0x2a, 0x02, 0x00];
const F32_STORE = [0x38, 0x02, 0x00];
const MEMORY_COPY = [0xfc, 0x0a, 0x00, 0x00];
const V128_LOAD = [0xfd, 0x00, 0x02, 0x00];
const V128_STORE = [0xfd, 0x0b, 0x02, 0x00];
const shuffle = (lanes: number[]) => [0xfd, 0x0d, ...lanes];
const words = (...w: number[]) => w.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
// 4 × 4 transpose: lo/hi interleave word pairs of two vectors, then half-vectors.
const ZIP_LO = words(0, 4, 1, 5);
const ZIP_HI = words(2, 6, 3, 7);
const HALF_LO = words(0, 1, 4, 5);
const HALF_HI = words(2, 3, 6, 7);

/** The SIMD module: scatter4 (see WasmLoops). */
function simdModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const type = [0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0];
  const memLimits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = [[...str('env'), ...str('memory'), 0x02, ...memLimits]];
  // Params: src 0, dst 1, groups 2, srcStep 3, channels 4, rowStride 5.
  // i32 locals: g 6, c 7, sa 8, da 9, s2 10, s3 11, r2 12, r3 13, sg 14, dg 15; v128 locals: 16–23.
  const G = 6, C = 7, SA = 8, DA = 9, S2 = 10, S3 = 11, R2 = 12, R3 = 13, SG = 14, DG = 15;
  const v = (k: number) => 16 + k; // r0..r3 = 0..3, t0..t3 = 4..7
  const load = (off: number[]) => [...get(SA), ...off, ...(off.length ? [ADD] : []), ...V128_LOAD];
  const code = [
    ...[2, 10, 0x7f, 8, 0x7b], // locals: 10 i32, 8 v128
    // s2 = 2·srcStep, s3 = 3·srcStep, r2 = 2·rowStride, r3 = 3·rowStride; sg = src; dg = dst
    ...get(3), ...get(3), ADD, ...set(S2),
    ...get(S2), ...get(3), ADD, ...set(S3),
    ...get(5), ...get(5), ADD, ...set(R2),
    ...get(R2), ...get(5), ADD, ...set(R3),
    ...get(0), ...set(SG),
    ...get(1), ...set(DG),
    ...BLOCK,
    ...LOOP,
    ...get(G), ...get(2), GE_U, ...brIf(1),
    ...get(SG), ...set(SA),
    ...get(DG), ...set(DA),
    ...i32(0), ...set(C),
    ...BLOCK,
    ...LOOP,
    ...get(C), ...get(4), GE_U, ...brIf(1),
    ...load([]), ...set(v(0)),
    ...load(get(3)), ...set(v(1)),
    ...load(get(S2)), ...set(v(2)),
    ...load(get(S3)), ...set(v(3)),
    ...get(v(0)), ...get(v(1)), ...shuffle(ZIP_LO), ...set(v(4)),
    ...get(v(0)), ...get(v(1)), ...shuffle(ZIP_HI), ...set(v(5)),
    ...get(v(2)), ...get(v(3)), ...shuffle(ZIP_LO), ...set(v(6)),
    ...get(v(2)), ...get(v(3)), ...shuffle(ZIP_HI), ...set(v(7)),
    ...get(DA), ...get(v(4)), ...get(v(6)), ...shuffle(HALF_LO), ...V128_STORE,
    ...get(DA), ...get(5), ADD, ...get(v(4)), ...get(v(6)), ...shuffle(HALF_HI), ...V128_STORE,
    ...get(DA), ...get(R2), ADD, ...get(v(5)), ...get(v(7)), ...shuffle(HALF_LO), ...V128_STORE,
    ...get(DA), ...get(R3), ADD, ...get(v(5)), ...get(v(7)), ...shuffle(HALF_HI), ...V128_STORE,
    // sa += 16, da += 4·rowStride, c += 4
    ...get(SA), ...i32(16), ADD, ...set(SA),
    ...get(DA), ...get(R2), ...get(R2), ADD, ADD, ...set(DA),
    ...get(C), ...i32(4), ADD, ...set(C),
    ...br(0),
    END,
    END,
    // next group: sg += 4·srcStep, dg += 16, g++
    ...get(SG), ...get(S2), ...get(S2), ADD, ADD, ...set(SG),
    ...get(DG), ...i32(16), ADD, ...set(DG),
    ...get(G), ...i32(1), ADD, ...set(G),
    ...br(0),
    END,
    END,
    END,
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec(imports)),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str('scatter4'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/** Signed LEB128 (i32.const immediates). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/**
 * The body of one FilterGradTile with `ci` input × `co` output channels: ci·co/4 f32x4 sums in locals (ci·co f32
 * ones for co = 1). Per position: the co/4 vectors of dy loaded once, each x value splat (v128.load32_splat, one
 * vbroadcastss), then a mul and an add per sum: for 4 × 8, 2 + 4 loads for 8 mul + 8 add (64 flops), 8 sums + 2
 * dy vectors + 1 splat in 11 of the 16 XMM registers. Loops count down (do-while), so all counts must be ≥ 1.
 * The output-channel tiles are the outer loop, so consecutive tiles reread the same dy (and x) lines from L1.
 * In Chromium (V8, AVX2) 4 × 8 runs at about 2.1–2.5 ns a position with all in L1 (26–30 GFLOP/s), and the model's
 * layer 2 (x [128, 28, 28, 16], 3 × 3 × 16 × 32, stride 2) at 24–26 GFLOP/s: bound by the 16 mul/add, not by memory.
 * Unrolling the column loop by 2 measured no different, nor did relaxed SIMD's fused multiply-add
 * (f32x4.relaxed_madd; Chromium 156 on an AMD Zen 5, whose separate add pipes take the adds beside the muls:
 * layer 2's filter gradient 10.2–10.6 ms with it, 10.7–10.8 without, steps 124–126 ms either way).
 */
function filterGradBody(ci: number, co: number): number[] {
  const vector = co >= 4;
  const nv = vector ? co / 4 : 1; // dy vectors (or floats) per position
  const width = vector ? 16 : 4; // their bytes
  // Params 0–14 (FilterGradTile's order); i32 locals 15–30; then the sums, dy values and the splat.
  const X = 0, DY = 1, DW = 2, CIT = 3, COT = 4, IMG = 5, ROWS = 6, COLS = 7, XIMG = 8, DYIMG = 9, XROW = 10, DYROW = 11, XCOL = 12, DYCOL = 13, DWROW = 14;
  const CT = 15, OT = 16, B = 17, R = 18, C = 19, XI = 20, DI = 21, XR = 22, DR = 23, XP = 24, DP = 25, XC = 26, DWC = 27, DYO = 28, DWO = 29, T = 30;
  const sums = 31;
  const acc = (i: number, j: number) => sums + i * nv + j;
  const dv = (j: number) => sums + ci * nv + j;
  const splat = sums + ci * nv + nv;
  const valType = vector ? 0x7b : 0x7d; // v128 | f32
  const memarg = (align: number, offset: number) => [...uleb(align), ...uleb(offset)];
  const loadV = (offset: number) => (vector ? [0xfd, 0x00, ...memarg(4, offset)] : [0x2a, ...memarg(2, offset)]);
  const storeV = (offset: number) => (vector ? [0xfd, 0x0b, ...memarg(4, offset)] : [0x38, ...memarg(2, offset)]);
  const loadX = (offset: number) => (vector ? [0xfd, 0x09, ...memarg(2, offset)] : [0x2a, ...memarg(2, offset)]);
  const ADDV = vector ? [0xfd, 0xe4, 0x01] : [0x92];
  const MULV = vector ? [0xfd, 0xe6, 0x01] : [0x94];
  const zero = vector ? [0xfd, 0x0c, ...new Array<number>(16).fill(0)] : [0x43, 0, 0, 0, 0];
  const SUB = 0x6b;
  const tee = (i: number) => [0x22, i];
  const add = (dst: number, a: number, b: number) => [...get(a), ...get(b), ADD, ...set(dst)];
  const addConst = (dst: number, k: number) => [...get(dst), 0x41, ...sleb(k), ADD, ...set(dst)];
  // counter -= 1; loop again while it is not 0.
  const countDown = (i: number) => [...get(i), ...i32(1), SUB, ...tee(i), ...brIf(0)];
  const position: number[] = [];
  for (let j = 0; j < nv; j++) position.push(...get(DP), ...loadV(width * j), ...set(dv(j)));
  for (let i = 0; i < ci; i++) {
    position.push(...get(XP), ...loadX(4 * i), ...set(splat));
    for (let j = 0; j < nv; j++) position.push(...get(acc(i, j)), ...get(splat), ...get(dv(j)), ...MULV, ...ADDV, ...set(acc(i, j)));
  }
  const flush: number[] = [...get(DWC), ...set(T)];
  for (let i = 0; i < ci; i++) {
    for (let j = 0; j < nv; j++) flush.push(...get(T), ...get(T), ...loadV(width * j), ...get(acc(i, j)), ...ADDV, ...storeV(width * j));
    if (i + 1 < ci) flush.push(...add(T, T, DWROW));
  }
  const clear: number[] = [];
  for (let k = 0; k < ci * nv; k++) clear.push(...zero, ...set(sums + k));
  return [
    ...[2, 16, 0x7f, ...uleb(ci * nv + nv + 1), valType],
    ...get(COT), ...set(OT), ...get(DY), ...set(DYO), ...get(DW), ...set(DWO),
    ...LOOP, // co tiles
    ...get(CIT), ...set(CT), ...get(X), ...set(XC), ...get(DWO), ...set(DWC),
    ...LOOP, // ci tiles
    ...clear,
    ...get(IMG), ...set(B), ...get(XC), ...set(XI), ...get(DYO), ...set(DI),
    ...LOOP, // images
    ...get(ROWS), ...set(R), ...get(XI), ...set(XR), ...get(DI), ...set(DR),
    ...LOOP, // rows
    ...get(COLS), ...set(C), ...get(XR), ...set(XP), ...get(DR), ...set(DP),
    ...LOOP, // columns
    ...position,
    ...add(XP, XP, XCOL), ...add(DP, DP, DYCOL),
    ...countDown(C),
    END,
    ...add(XR, XR, XROW), ...add(DR, DR, DYROW),
    ...countDown(R),
    END,
    ...add(XI, XI, XIMG), ...add(DI, DI, DYIMG),
    ...countDown(B),
    END,
    ...flush,
    ...addConst(XC, 4 * ci),
    ...get(DWC), ...get(DWROW), ...(ci > 1 ? [...i32(ci), MUL] : []), ADD, ...set(DWC),
    ...countDown(CT),
    END,
    ...addConst(DYO, 4 * co), ...addConst(DWO, 4 * co),
    ...countDown(OT),
    END,
    END,
  ];
}

/** The filter-gradient module: one function per tile shape of FILTER_GRAD_TILES, exported as c{ci}x{co}. */
function filterGradModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const type = [0x60, 15, ...new Array<number>(15).fill(0x7f), 0];
  const memLimits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = [[...str('env'), ...str('memory'), 0x02, ...memLimits]];
  const tiles = Object.entries(FILTER_GRAD_TILES).flatMap(([ci, cos]) => cos.map((co) => [Number(ci), co] as const));
  const bodies = tiles.map(([ci, co]) => {
    const code = filterGradBody(ci, co);
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec(imports)),
    ...section(3, vec(tiles.map(() => [0]))),
    ...section(7, vec(tiles.map(([ci, co], k) => [...str(`c${ci}x${co}`), 0x00, ...uleb(k)]))),
    ...section(10, vec(bodies)),
  ]);
}

/** The module's bytes, importing env.memory (shared or not). */
function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  // Both functions: (i32 × 6) → ().
  const type = [0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0];
  const memLimits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = [[...str('env'), ...str('memory'), 0x02, ...memLimits]];
  // scatter(src 0, dst 1, count 2, srcStep 3, channels 4, rowStride 5); locals i 6, c 7, s 8, d 9.
  const scatter = [
    ...[1, 4, 0x7f], // one group of 4 i32 locals
    ...BLOCK,
    ...LOOP,
    ...get(6), ...get(2), GE_U, ...brIf(1),
    ...get(0), ...get(6), ...get(3), MUL, ADD, ...set(8),
    ...get(1), ...get(6), ...i32(2), SHL, ADD, ...set(9),
    ...i32(0), ...set(7),
    ...BLOCK,
    ...LOOP,
    ...get(7), ...get(4), GE_U, ...brIf(1),
    ...get(9), ...get(8), ...F32_LOAD, ...F32_STORE,
    ...get(8), ...i32(4), ADD, ...set(8),
    ...get(9), ...get(5), ADD, ...set(9),
    ...get(7), ...i32(1), ADD, ...set(7),
    ...br(0),
    END,
    END,
    ...get(6), ...i32(1), ADD, ...set(6),
    ...br(0),
    END,
    END,
    END,
  ];
  // copyRuns(src 0, dst 1, count 2, srcStride 3, dstStride 4, bytes 5); local i 6.
  const copyRuns = [
    ...[1, 1, 0x7f],
    ...BLOCK,
    ...LOOP,
    ...get(6), ...get(2), GE_U, ...brIf(1),
    ...get(1), ...get(6), ...get(4), MUL, ADD,
    ...get(0), ...get(6), ...get(3), MUL, ADD,
    ...get(5),
    ...MEMORY_COPY,
    ...get(6), ...i32(1), ADD, ...set(6),
    ...br(0),
    END,
    END,
    END,
  ];
  const body = (code: number[]) => [...uleb(code.length), ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type])),
    ...section(2, vec(imports)),
    ...section(3, vec([[0], [0]])),
    ...section(7, vec([[...str('scatter'), 0x00, 0], [...str('copyRuns'), 0x00, 1]])),
    ...section(10, vec([body(scatter), body(copyRuns)])),
  ]);
}

/** A tfjs-backend-wasm backend's WebAssembly.Memory (the emscripten module's), or null where it has none. */
export function wasmMemoryOf(backend: unknown): WebAssembly.Memory | null {
  const module = (backend as { wasm?: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } } } | null)?.wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Whether a memory is shared between threads (the threaded WASM build's). */
export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The direct filter gradient's tiles on a WebAssembly memory (a helper thread's own instance on a shared one), or null where WASM SIMD is missing. */
export function filterGradTilesFor(memory: WebAssembly.Memory): FilterGradKernels | null {
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(filterGradModuleBytes(isShared(memory))), { env: { memory } }).exports as unknown as FilterGradKernels;
  } catch {
    return null;
  }
}

const cache = new WeakMap<object, WasmLoops | null>();

/** The loops bound to a tfjs-backend-wasm backend's memory, or null (then use JS). */
export function wasmLoopsFor(backend: unknown): WasmLoops | null {
  const module = (backend as { wasm?: object }).wasm;
  if (!module) return null;
  if (cache.has(module)) return cache.get(module)!;
  let loops: WasmLoops | null = null;
  try {
    const memory = wasmMemoryOf(backend);
    if (memory) {
      const shared = isShared(memory);
      const base = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(shared)), { env: { memory } }).exports as unknown as WasmLoops;
      let scatter4: WasmLoops['scatter4'] = null;
      try {
        scatter4 = (new WebAssembly.Instance(new WebAssembly.Module(simdModuleBytes(shared)), { env: { memory } }).exports as { scatter4: NonNullable<WasmLoops['scatter4']> }).scatter4;
      } catch {
        scatter4 = null;
      }
      loops = { scatter: base.scatter, copyRuns: base.copyRuns, scatter4, filterGrad: filterGradTilesFor(memory) };
    }
  } catch {
    loops = null;
  }
  cache.set(module, loops);
  return loops;
}
