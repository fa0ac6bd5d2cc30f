// Kernels the WASM backend lacks for training (tfjs 4.22), supplied by the project:
//   Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput;
// and a replacement Conv2DBackpropInput, ~10x faster than tfjs's own (see conv2d_backprop_input.ts);
// and Identity / same-dtype Cast that share data instead of copying it (see share_identity.ts).
import { tf } from '../tf.js';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { makeConv2DBackpropInputConfig } from './conv2d_backprop_input.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise_backprop.js';
import { makeSharingCastConfig, makeSharingIdentityConfig } from './share_identity.js';

export const MISSING_WASM_KERNELS = [conv2DBackpropFilterConfig, depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig];

let missingRegistered = false;
let originalBackpropInput: tf.KernelConfig | undefined;
let sharingInstalled = false;

/**
 * Register the project's WASM kernels. Idempotent. Call it after importing
 * '@tensorflow/tfjs-backend-wasm' (whose import registers tfjs's own WASM kernels): the faster
 * Conv2DBackpropInput replaces tfjs's only once that one is registered, and a later call installs it.
 */
export function registerWasmTrainingKernels(): void {
  if (!missingRegistered) {
    for (const config of MISSING_WASM_KERNELS) {
      // A later tfjs that ships its own kernel keeps it.
      if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
    }
    missingRegistered = true;
  }
  if (!originalBackpropInput) {
    const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
    if (original) {
      originalBackpropInput = original;
      tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
      tf.registerKernel(makeConv2DBackpropInputConfig(original));
    }
  }
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!sharingInstalled && identity && cast) {
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel(makeSharingIdentityConfig());
    tf.unregisterKernel('Cast', 'wasm');
    tf.registerKernel(makeSharingCastConfig(cast));
    sharingInstalled = true;
  }
}

/** tfjs's own WASM Conv2DBackpropInput, once replaced (for benchmarks and comparisons). */
export function originalWasmConv2DBackpropInput(): tf.KernelConfig | undefined {
  return originalBackpropInput;
}
