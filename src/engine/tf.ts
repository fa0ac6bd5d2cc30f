// The one TensorFlow.js instance the project uses. Everything imports tf from here, so that tensors,
// kernels and backends registered by the engine are the ones user code and tests see.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { registerChainedOps } from './chained-ops.js';

// Production mode silences tfjs's console banners (the cpu backend's "install tfjs-node" notice on
// first use): `ash doctor` reports backends itself, and the cpu backend is only used when asked for.
tf.env().set('PROD', true);

// `x.square()`, `x.add(y).mean()`: the chained style of the tfjs docs, which tfjs-core alone does not install.
registerChainedOps();

export { tf, tfl };
