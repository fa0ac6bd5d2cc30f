// Shared building pieces for the CNN builders: seeded initialisers, conv/BN helpers, and an activation
// factory that gives every site its own layer instance and records the site names.
import { tfl } from '../engine/tf.js';
import { Rng } from '../engine/random.js';
import { createActivation } from '../activations/registry.js';
import { BatchNorm } from './batch-norm.js';
import { SeededDropout } from './dropout.js';
import { AtrousConv2D } from './atrous-conv.js';
import { BilinearResize } from './bilinear-resize.js';
import type { BuiltModel, KeptActivation, ModelBuildOptions } from './types.js';

export type SymbolicTensor = tfl.SymbolicTensor;
type Initializer = ReturnType<typeof tfl.initializers.heNormal>;
/** Makes a kernel initialiser from a seed drawn from the model's initialisation stream. */
export type InitializerFactory = (seed: number) => Initializer;

/** He et al. initialisation (fan in), as in the original ResNet/WRN/DenseNet code. */
export const heFanIn: InitializerFactory = (seed) => tfl.initializers.heNormal({ seed });
/** EfficientNet's conv initialiser: variance scaling 2.0 over fan out, truncated normal. */
export const heFanOut: InitializerFactory = (seed) =>
  tfl.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'truncatedNormal', seed });
/** EfficientNet's dense initialiser: variance scaling 1/3 over fan out, uniform. */
export const uniformFanOutThird: InitializerFactory = (seed) =>
  tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanOut', distribution: 'uniform', seed });
export const glorotUniform: InitializerFactory = (seed) => tfl.initializers.glorotUniform({ seed });

export interface ConvOptions {
  useBias?: boolean;
  dilation?: number;
  initializer?: InitializerFactory;
}

export interface DropoutOptions {
  /** Drop whole samples (noise shape [N, 1, 1, 1]): drop-connect / stochastic depth on a residual branch. */
  perSample?: boolean;
}

export class ModelContext {
  readonly rng: Rng;
  readonly activationSites: string[] = [];
  /** Activations that stay as the original paper has them (gates), not replaced by the plugged one. */
  readonly keptActivations: KeptActivation[] = [];
  private readonly options: ModelBuildOptions;
  private readonly dropoutRng: Rng;

  constructor(options: ModelBuildOptions) {
    this.options = options;
    this.rng = new Rng(options.seed).fork('init');
    // A separate stream, so adding or removing a dropout layer never shifts the weight initialisation.
    this.dropoutRng = new Rng(options.seed).fork('dropout');
  }

  private seed(): number {
    return this.rng.nextUint32();
  }

  /** The plugged activation at a new site called `name`. */
  act(x: SymbolicTensor, name: string): SymbolicTensor {
    this.activationSites.push(name);
    return createActivation(this.options.activation, name).apply(x) as SymbolicTensor;
  }

  /** A fixed activation that is not a site (e.g. the sigmoid gate of squeeze-and-excitation). */
  keep(x: SymbolicTensor, fn: 'sigmoid' | 'swish', name: string): SymbolicTensor {
    this.keptActivations.push({ layer: name, function: fn });
    return tfl.layers.activation({ activation: fn, name }).apply(x) as SymbolicTensor;
  }

  /** 'same'-padded conv; a dilated one (stride 1) is an AtrousConv2D, since tfjs's conv2d has no dilated gradient. */
  conv(x: SymbolicTensor, filters: number, kernelSize: number, strides: number, name: string, options: ConvOptions = {}): SymbolicTensor {
    const dilation = options.dilation ?? 1;
    if (dilation > 1) {
      if (strides !== 1) throw new Error(`layer ${name}: a dilated conv must have stride 1, got ${strides}`);
      const kernelInitializer = (options.initializer ?? heFanIn)(this.seed());
      return new AtrousConv2D({ filters, kernelSize, dilationRate: dilation, padding: 'same', useBias: options.useBias ?? false, kernelInitializer, name }).apply(
        x,
      ) as SymbolicTensor;
    }
    return tfl.layers
      .conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias: options.useBias ?? false,
        dilationRate: options.dilation ?? 1,
        kernelInitializer: (options.initializer ?? heFanIn)(this.seed()),
        name,
      })
      .apply(x) as SymbolicTensor;
  }

  /** Depthwise conv (one filter per channel, multiplier 1), no bias: it is always followed by BN here. */
  depthwiseConv(x: SymbolicTensor, kernelSize: number, strides: number, name: string, options: Omit<ConvOptions, 'useBias'> = {}): SymbolicTensor {
    return tfl.layers
      .depthwiseConv2d({
        kernelSize,
        strides,
        padding: 'same',
        depthMultiplier: 1,
        useBias: false,
        dilationRate: options.dilation ?? 1,
        depthwiseInitializer: (options.initializer ?? heFanIn)(this.seed()),
        name,
      })
      .apply(x) as SymbolicTensor;
  }

  /** Transposed conv (kernel = stride = `factor`): a learned x`factor` upsampling, as U-Net's up-convolution. */
  upConv(x: SymbolicTensor, filters: number, factor: number, name: string, options: Pick<ConvOptions, 'useBias' | 'initializer'> = {}): SymbolicTensor {
    return tfl.layers
      .conv2dTranspose({
        filters,
        kernelSize: factor,
        strides: factor,
        padding: 'same',
        useBias: options.useBias ?? true,
        kernelInitializer: (options.initializer ?? heFanIn)(this.seed()),
        name,
      })
      .apply(x) as SymbolicTensor;
  }

  /** Bilinear resize (aligned corners) to [height, width]; no layer when x already has that size. */
  resize(x: SymbolicTensor, height: number, width: number, name: string): SymbolicTensor {
    if (x.shape[1] === height && x.shape[2] === width) return x;
    return new BilinearResize({ height, width, name }).apply(x) as SymbolicTensor;
  }

  dense(x: SymbolicTensor, units: number, name: string, initializer: InitializerFactory = glorotUniform): SymbolicTensor {
    return tfl.layers.dense({ units, kernelInitializer: initializer(this.seed()), name }).apply(x) as SymbolicTensor;
  }

  bn(x: SymbolicTensor, name: string, epsilon = 1e-5): SymbolicTensor {
    return new BatchNorm({ momentum: this.options.bnMomentum ?? 0.9, epsilon, name }).apply(x) as SymbolicTensor;
  }

  /** Seeded dropout; no layer at all when the rate is 0 or the model is built without dropout. */
  dropout(x: SymbolicTensor, rate: number, name: string, options: DropoutOptions = {}): SymbolicTensor {
    if (rate === 0 || this.options.withoutDropout) return x;
    const layer = new SeededDropout({ rate, perSample: options.perSample ?? false, seed: this.dropoutRng.nextUint32(), name });
    return layer.apply(x) as SymbolicTensor;
  }

  /**
   * Global average pooling, optional dropout, and the linear classifier (logits; the loss applies the softmax).
   */
  head(x: SymbolicTensor, numClasses: number, options: { dropout?: number; initializer?: InitializerFactory } = {}): SymbolicTensor {
    let pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as SymbolicTensor;
    pooled = this.dropout(pooled, options.dropout ?? 0, 'head_dropout');
    return this.dense(pooled, numClasses, 'logits', options.initializer ?? glorotUniform);
  }

  /** The model and what the context recorded about it. */
  finish(input: SymbolicTensor, output: SymbolicTensor, name: string): Required<Omit<BuiltModel, 'detector'>> {
    const model = tfl.model({ inputs: input, outputs: output, name });
    return { model, activationSites: this.activationSites, keptActivations: this.keptActivations };
  }
}
