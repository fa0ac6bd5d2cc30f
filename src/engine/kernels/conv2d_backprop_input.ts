// A faster Conv2DBackpropInput for the WASM backend. tfjs 4.22's own is a scalar C++ loop, measured at
// 10-17x the forward conv on ResNet-20 shapes (bench/conv-backprop.ts), which made it the largest
// cost of a training step. This one runs the gradient as XNNPACK forward convolutions on dy, one per
// phase of the stride (input_gradient.ts): about the forward conv's cost.
import { tf } from '../tf.js';
import { assertShape, convInfoFor, type ConvAttrs } from './conv_attrs.js';
import { conv2dInputGradient } from './input_gradient.js';
import { asWasmBackend, assertFloat32, release, transposeInfo } from './wasm_backend.js';

const KERNEL = 'Conv2DBackpropInput';

interface Conv2DBackpropInputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  assertFloat32(KERNEL, { dy, filter });
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  // Like Conv2DBackpropFilter, an optional `dilations` attr (not in tfjs's definition) is honoured.
  const info = convInfoFor(KERNEL, attrs.inputShape, filter.shape, attrs, false);
  assertShape(KERNEL, 'dy', dy.shape, info.outShape);
  const backend = asWasmBackend(args.backend);
  if (info.dataFormat === 'channelsLast') return conv2dInputGradient(backend, dy, filter, info);
  // NCHW: the XNNPACK conv is NHWC only; two transposes cost little next to the conv.
  const dyNHWC = transposeInfo(backend, dy, [0, 2, 3, 1]);
  const dxNHWC = conv2dInputGradient(backend, dyNHWC, filter, info);
  const dx = transposeInfo(backend, dxNHWC, [0, 3, 1, 2]);
  release(backend, dyNHWC, dxNHWC);
  return dx;
}

/**
 * The replacement's config. It carries the original's setupFunc: tfjs runs setup functions only for
 * kernels registered when the backend initialises, and the original stays callable (benchmarks).
 */
export function makeConv2DBackpropInputConfig(original: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
    setupFunc: original?.setupFunc,
  };
}
