// DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput for the WASM backend,
// which lacks both in tfjs 4.22. Attributes follow tfjs's kernel definitions (NHWC only, like the
// forward DepthwiseConv2dNative).
import { tf } from '../tf.js';
import { assertShape, convInfoFor, type ConvAttrs } from './conv_attrs.js';
import { depthwiseFilterGradient } from './depthwise_filter_gradient.js';
import { depthwiseInputGradient } from './input_gradient.js';
import { asWasmBackend, assertFloat32 } from './wasm_backend.js';

const FILTER_KERNEL = 'DepthwiseConv2dNativeBackpropFilter';
const INPUT_KERNEL = 'DepthwiseConv2dNativeBackpropInput';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}

function depthwiseAttrs(attrs: tf.NamedAttrMap): ConvAttrs {
  const a = attrs as unknown as ConvAttrs;
  // The kernel has no dataFormat attribute: depthwise convs are NHWC in tfjs.
  return { strides: a.strides, pad: a.pad, dilations: a.dilations ?? 1, dimRoundingMode: a.dimRoundingMode, dataFormat: 'NHWC' };
}

function backpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  assertFloat32(FILTER_KERNEL, { x, dy });
  const filterShape = (attrs as unknown as { filterShape: number[] }).filterShape;
  const info = convInfoFor(FILTER_KERNEL, x.shape, filterShape, depthwiseAttrs(attrs), true);
  assertShape(FILTER_KERNEL, 'dy', dy.shape, info.outShape);
  return depthwiseFilterGradient(asWasmBackend(backend), x, dy, info);
}

function backpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  assertFloat32(INPUT_KERNEL, { dy, filter });
  const inputShape = (attrs as unknown as { inputShape: number[] }).inputShape;
  const info = convInfoFor(INPUT_KERNEL, inputShape, filter.shape, depthwiseAttrs(attrs), true);
  assertShape(INPUT_KERNEL, 'dy', dy.shape, info.outShape);
  return depthwiseInputGradient(asWasmBackend(backend), dy, filter, info);
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: FILTER_KERNEL,
  backendName: 'wasm',
  kernelFunc: backpropFilter as unknown as tf.KernelFunc,
};

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: INPUT_KERNEL,
  backendName: 'wasm',
  kernelFunc: backpropInput as unknown as tf.KernelFunc,
};
