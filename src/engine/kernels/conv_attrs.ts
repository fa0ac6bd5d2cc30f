// Reading convolution kernel attributes exactly as tfjs defines them, through tfjs's own
// computeConv2DInfo, so padding, output sizes and rounding match the cpu backend bit for bit.
import { tf } from '../tf.js';

export type Conv2DInfo = tf.backend_util.Conv2DInfo;
type Shape4D = [number, number, number, number];
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
}

/** The forward convolution's geometry: x `inputShape`, filter `filterShape`. */
export function convInfoFor(
  kernelName: string,
  inputShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): Conv2DInfo {
  if (inputShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `${kernelName}: input and filter must be rank 4, got input [${inputShape.join(', ')}] and filter [${filterShape.join(', ')}]`,
    );
  }
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as Shape4D,
    filterShape as Shape4D,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    dataFormat,
  );
  for (const [name, value] of [
    ['strides', Math.min(info.strideHeight, info.strideWidth)],
    ['dilations', Math.min(info.dilationHeight, info.dilationWidth)],
  ] as const) {
    if (!(value >= 1)) throw new Error(`${kernelName}: ${name} must be positive integers, got ${String(attrs[name])}`);
  }
  return info;
}

export function assertShape(kernelName: string, what: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`${kernelName}: ${what} has shape [${actual.join(', ')}], expected [${expected.join(', ')}]`);
  }
}
