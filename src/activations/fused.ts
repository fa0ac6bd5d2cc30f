// Swish and smooth ASH through the fused kernels (src/engine/kernels/native_activations.ts), when the
// current backend has them: the WASM backend, with the native addon or the WebAssembly module. Each
// returns undefined otherwise, and the caller composes tfjs ops instead. Same functions, same gradients
// (to float32 rounding): test/engine/native-fused.test.ts checks both against the cpu backend.
import { tf } from '../engine/tf.js';
import { FUSED_ASH, FUSED_ASH_GRAD, FUSED_SWISH, FUSED_SWISH_GRAD, fusedKernelAvailable } from '../engine/kernels/native_activations.js';
import type { AshMathOptions } from './ash-math.js';

type Tensor = tf.Tensor;
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

function run(kernel: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown>): Tensor | Tensor[] {
  return tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as Tensor | Tensor[];
}

const swishKernels = new Map<number, (x: Tensor) => Tensor>();

/** x * sigmoid(beta x) with a constant beta, or undefined without the fused kernels. */
export function fusedSwish(x: Tensor, beta: number): Tensor | undefined {
  if (!fusedKernelAvailable(FUSED_SWISH, x)) return undefined;
  let kernel = swishKernels.get(beta);
  if (!kernel) {
    const f = (input: Tensor, save: tf.GradSaveFunc) => {
      save([input]);
      return {
        value: run(FUSED_SWISH, { x: input }, { beta }) as Tensor,
        gradFunc: (dy: Tensor, [saved]: Tensor[]) => run(FUSED_SWISH_GRAD, { dy, x: saved! }, { beta }) as Tensor,
      };
    };
    kernel = tf.customGrad(f as unknown as CustomGradientFunc) as unknown as (x: Tensor) => Tensor;
    swishKernels.set(beta, kernel);
  }
  return kernel(x);
}

const ashKernels = new Map<string, (xv: Tensor, z: Tensor, alpha: Tensor) => Tensor>();

/**
 * Smooth ASH on the statistics view xv ([B, N] or [B, N, C]; see tensor-utils.ts statsView), or
 * undefined without the fused kernels. The forward pass keeps only x and the per-group mean and std;
 * the backward pass recomputes the gate from them, in two passes over memory.
 */
export function fusedAsh(xv: Tensor, z: Tensor, alpha: Tensor, options: AshMathOptions): Tensor | undefined {
  if (!fusedKernelAvailable(FUSED_ASH, xv, z, alpha) || xv.rank < 2 || xv.rank > 3 || z.size !== 1 || alpha.size !== 1) return undefined;
  const key = `${options.epsilon}/${options.stopStatsGradient}`;
  let kernel = ashKernels.get(key);
  if (!kernel) {
    const f = (x: Tensor, zt: Tensor, at: Tensor, save: tf.GradSaveFunc) => {
      const [y, stats] = run(FUSED_ASH, { x, z: zt, alpha: at }, { epsilon: options.epsilon }) as [Tensor, Tensor];
      save([x, stats, zt, at]);
      return {
        value: y,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [xs, st, zs, as] = saved as [Tensor, Tensor, Tensor, Tensor];
          const [dx, dz, dAlpha] = run(FUSED_ASH_GRAD, { dy, x: xs, stats: st, z: zs, alpha: as }, { stopStatsGradient: options.stopStatsGradient }) as [
            Tensor,
            Tensor,
            Tensor,
          ];
          return [dx, tf.reshape(dz, zs.shape), tf.reshape(dAlpha, as.shape)];
        },
      };
    };
    kernel = tf.customGrad(f as unknown as CustomGradientFunc) as unknown as (xv: Tensor, z: Tensor, alpha: Tensor) => Tensor;
    ashKernels.set(key, kernel);
  }
  return kernel(xv, z, alpha);
}
