// The one TensorFlow.js instance the project uses. Everything imports tf from here, so that tensors,
// kernels and backends registered by the engine are the ones user code and tests see.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';

export { tf, tfl };
