/**
 * Two copy loops in WebAssembly for our WASM-backend kernels (engine/kernels.ts), run on tfjs-backend-wasm's own
 * memory: the im2col gather of the filter gradient and the phase interleave of the input gradient. In JS these
 * loops over the heap cost about 3 ns an element (a fifth of a training step); compiled, they run several
 * times faster. The module is a few hundred bytes, assembled here (no toolchain), instantiated on the backend's
 * WebAssembly.Memory (shared in the threaded build). Where that memory cannot be reached, or the module does
 * not compile, callers keep their JS loops.
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
}

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

const cache = new WeakMap<object, WasmLoops | null>();

/** The loops bound to a tfjs-backend-wasm backend's memory, or null (then use JS). */
export function wasmLoopsFor(backend: unknown): WasmLoops | null {
  const module = (backend as { wasm?: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } } }).wasm;
  if (!module) return null;
  if (cache.has(module)) return cache.get(module)!;
  let loops: WasmLoops | null = null;
  try {
    const memory = module.wasmMemory ?? module.asm?.memory;
    if (memory instanceof WebAssembly.Memory) {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const base = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(shared)), { env: { memory } }).exports as unknown as WasmLoops;
      let scatter4: WasmLoops['scatter4'] = null;
      try {
        scatter4 = (new WebAssembly.Instance(new WebAssembly.Module(simdModuleBytes(shared)), { env: { memory } }).exports as { scatter4: NonNullable<WasmLoops['scatter4']> }).scatter4;
      } catch {
        scatter4 = null;
      }
      loops = { scatter: base.scatter, copyRuns: base.copyRuns, scatter4 };
    }
  } catch {
    loops = null;
  }
  cache.set(module, loops);
  return loops;
}
