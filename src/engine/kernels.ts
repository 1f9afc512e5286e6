/**
 * Fixes to tfjs 4.22's kernels that training needs. The WASM backend lacks Conv2DBackpropFilter, so a conv
 * net cannot train there (the gradient of tf.conv2d w.r.t. its filter has no kernel); we register one. The
 * CPU backend's Transform returns after the first image of a batch (the others stay at the fill value); we
 * replace it.
 */
import * as tf from '@tensorflow/tfjs';

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} x_pad[n, oh·s + kh·d, ow·s + kw·d, ci] · dy[n, oh, ow, co].
 * That sum is itself a convolution with the batch as the channel axis: input x_padᵀ [ci, H, W, N], filter
 * dyᵀ [OH, OW, N, co], strides d and dilations s (the forward pass's dilations and strides swapped). So the
 * gradient runs on the backend's own fast Conv2D (XNNPACK on WASM). Written with engine.runKernel, which
 * takes the kernel's TensorInfos as they are, because it runs inside a kernel.
 */
function backpropFilterKernels(x: tf.TensorInfo, dy: tf.TensorInfo, a: BackpropFilterAttrs): tf.Tensor4D {
  const e = tf.engine();
  const [kh, kw] = a.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { top, bottom, left, right } = info.padInfo;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  const temps: tf.Tensor[] = [];
  const run = (name: string, inputs: Record<string, tf.TensorInfo>, attrs: object): tf.Tensor => {
    const t = e.runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
    temps.push(t);
    return t;
  };
  try {
    let xp: tf.TensorInfo = x;
    if (top || bottom > 0 || left || right > 0) {
      xp = run(tf.PadV2, { x }, { paddings: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]], constantValue: 0 });
    }
    const needH = (info.outHeight - 1) * sh + kh;
    const needW = (info.outWidth - 1) * sw + kw;
    if (xp.shape[1]! > needH || xp.shape[2]! > needW) {
      xp = run(tf.Slice, { x: xp }, { begin: [0, 0, 0, 0], size: [-1, needH, needW, -1] });
    }
    const xt = run(tf.Transpose, { x: xp }, { perm: [3, 1, 2, 0] });
    const dyt = run(tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
    const g = run(tf.Conv2D, { x: xt, filter: dyt }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined });
    const out = e.runKernel(tf.Transpose, { x: g } as tf.NamedTensorMap, { perm: [1, 2, 0, 3] } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    return out;
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** Reads the input at integer (x, y) or the fill value outside the image (fill mode 'constant'). */
function bilinearAt(img: ArrayLike<number>, base: number, h: number, w: number, c: number, x: number, y: number, ch: number, fill: number): number {
  const read = (yy: number, xx: number) => (yy >= 0 && yy < h && xx >= 0 && xx < w ? img[base + (yy * w + xx) * c + ch]! : fill);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const top = (1 - fx) * read(y0, x0) + fx * read(y0, x0 + 1);
  const bottom = (1 - fx) * read(y0 + 1, x0) + fx * read(y0 + 1, x0 + 1);
  return (1 - fy) * top + fy * bottom;
}

/**
 * tf.image.transform for the CPU backend, every image of the batch with its own matrix (TensorFlow's
 * ImageProjectiveTransformV3 semantics). Supports the 'constant' fill mode with bilinear or nearest sampling.
 */
function cpuTransform({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const { image, transforms } = inputs as { image: tf.TensorInfo; transforms: tf.TensorInfo };
  const { interpolation, fillMode, fillValue, outputShape } = attrs as unknown as {
    interpolation: 'nearest' | 'bilinear';
    fillMode: string;
    fillValue: number;
    outputShape?: [number, number];
  };
  if (fillMode !== 'constant') throw new Error(`Transform on cpu: fill mode ${fillMode} is not supported`);
  const cpu = backend as { data: { get(id: tf.DataId): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo };
  const [batch, h, w, c] = image.shape as [number, number, number, number];
  const [oh, ow] = outputShape ?? [h, w];
  const img = cpu.data.get(image.dataId).values;
  const tv = cpu.data.get(transforms.dataId).values;
  const out = new Float32Array(batch * oh * ow * c).fill(fillValue);
  for (let b = 0; b < batch; b++) {
    const t = transforms.shape[0] === 1 ? tv.subarray(0, 8) : tv.subarray(b * 8, b * 8 + 8);
    const base = b * h * w * c;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const proj = t[6]! * x + t[7]! * y + 1;
        if (proj === 0) continue;
        const ix = (t[0]! * x + t[1]! * y + t[2]!) / proj;
        const iy = (t[3]! * x + t[4]! * y + t[5]!) / proj;
        for (let ch = 0; ch < c; ch++) {
          let v: number;
          if (interpolation === 'nearest') {
            const nx = Math.round(ix);
            const ny = Math.round(iy);
            v = nx >= 0 && nx < w && ny >= 0 && ny < h ? img[base + (ny * w + nx) * c + ch]! : fillValue;
          } else v = bilinearAt(img, base, h, w, c, ix, iy, ch, fillValue);
          out[((b * oh + y) * ow + x) * c + ch] = v;
        }
      }
    }
  }
  return cpu.makeTensorInfo([batch, oh, ow, c], image.dtype, out);
}

let registered = false;

/** Registers our kernels: Conv2DBackpropFilter on 'wasm', a batch-correct Transform on 'cpu' (idempotent). */
export function registerKernelFixes(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel(tf.Transform, 'cpu')) tf.unregisterKernel(tf.Transform, 'cpu');
  tf.registerKernel({ kernelName: tf.Transform, backendName: 'cpu', kernelFunc: cpuTransform as unknown as tf.KernelFunc });
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const a = attrs as unknown as BackpropFilterAttrs;
      if (a.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      // Compose from the backend's own kernels; ops inside a kernel run with the gradient tape off (the
      // engine's kernelDepth). runKernel takes the TensorInfos as they are, so no wrapper Tensors are made.
      const out = backpropFilterKernels(x, dy, a);
      // Hand the engine a bare TensorInfo, as built-in kernels do: keep the data alive in the backend and
      // drop our Tensor.
      (backend as tf.KernelBackend & { incRef(id: tf.DataId): void }).incRef(out.dataId);
      const info: tf.TensorInfo = { dataId: out.dataId, shape: out.shape, dtype: out.dtype };
      out.dispose();
      return info;
    },
  });
}
