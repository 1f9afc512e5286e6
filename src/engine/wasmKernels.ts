/**
 * Kernels the WASM backend of tfjs 4.22 lacks. Without Conv2DBackpropFilter a conv net cannot train there
 * (the gradient of tf.conv2d w.r.t. its filter has no kernel), so we register one.
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

let registered = false;

/** Registers Conv2DBackpropFilter for the 'wasm' backend (idempotent). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
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
      backend.incRef(out.dataId);
      const info: tf.TensorInfo = { dataId: out.dataId, shape: out.shape, dtype: out.dtype };
      out.dispose();
      return info;
    },
  });
}
