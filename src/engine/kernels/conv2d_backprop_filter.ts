// Conv2DBackpropFilter for the WASM backend, which lacks it in tfjs 4.22: 1x1 filters as matrix
// products (pointwise_filter_gradient.ts), others as one swapped-roles convolution
// (dense_filter_gradient.ts). Attributes as tfjs defines them, NHWC or NCHW.
import { tf } from '../tf.js';
import { assertShape, convInfoFor, type ConvAttrs } from './conv_attrs.js';
import { filterGradient } from './dense_filter_gradient.js';
import { pointwiseFilterGradient } from './pointwise_filter_gradient.js';
import { asWasmBackend, assertFloat32 } from './wasm_backend.js';

const KERNEL = 'Conv2DBackpropFilter';

interface Conv2DBackpropFilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  assertFloat32(KERNEL, { x, dy });
  // tfjs defines this kernel without dilations (its conv2d gradient refuses dilated convs); an optional
  // `dilations` attr is honoured so that a project-side gradient for atrous convs can use this kernel.
  const info = convInfoFor(KERNEL, x.shape, attrs.filterShape, attrs, false);
  assertShape(KERNEL, 'dy', dy.shape, info.outShape);
  const backend = asWasmBackend(args.backend);
  if (info.filterHeight === 1 && info.filterWidth === 1 && info.dataFormat === 'channelsLast') {
    return pointwiseFilterGradient(backend, x, dy, info);
  }
  return filterGradient(backend, x, dy, info);
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: KERNEL,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
