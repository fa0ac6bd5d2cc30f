// Shared building pieces for the CNN builders: seeded initialisers, conv/BN helpers, and an activation
// factory that gives every site its own layer instance and records the site names.
import { tfl } from '../engine/tf.js';
import { Rng } from '../engine/random.js';
import { createActivation } from '../activations/registry.js';
import { BatchNorm } from './batch-norm.js';
import type { ModelBuildOptions } from './types.js';

export type SymbolicTensor = tfl.SymbolicTensor;

export class ModelContext {
  readonly rng: Rng;
  readonly activationSites: string[] = [];
  private readonly options: ModelBuildOptions;

  constructor(options: ModelBuildOptions) {
    this.options = options;
    this.rng = new Rng(options.seed).fork('init');
  }

  private seed(): number {
    return this.rng.nextUint32();
  }

  /** The plugged activation at a new site called `name`. */
  act(x: SymbolicTensor, name: string): SymbolicTensor {
    this.activationSites.push(name);
    return createActivation(this.options.activation, name).apply(x) as SymbolicTensor;
  }

  conv(x: SymbolicTensor, filters: number, kernelSize: number, strides: number, name: string): SymbolicTensor {
    return tfl.layers
      .conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias: false,
        // He et al. initialisation, as in the original ResNet/WRN/DenseNet code.
        kernelInitializer: tfl.initializers.heNormal({ seed: this.seed() }),
        name,
      })
      .apply(x) as SymbolicTensor;
  }

  bn(x: SymbolicTensor, name: string): SymbolicTensor {
    return new BatchNorm({ momentum: this.options.bnMomentum ?? 0.9, epsilon: 1e-5, name }).apply(x) as SymbolicTensor;
  }

  /** Global average pooling + the linear classifier (logits; the loss applies the softmax). */
  head(x: SymbolicTensor, numClasses: number): SymbolicTensor {
    const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as SymbolicTensor;
    return tfl.layers
      .dense({ units: numClasses, kernelInitializer: tfl.initializers.glorotUniform({ seed: this.seed() }), name: 'logits' })
      .apply(pooled) as SymbolicTensor;
  }
}
