// Kernels the WASM backend lacks for training, supplied by the project.
// (Filled in by the kernels module: Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter/Input.)
let registered = false;
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
}
