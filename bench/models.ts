// Forward + backward time per image of each model at its paper size, on the WASM backend (or --backend cpu).
// Run: npx tsx bench/models.ts [--models resnet164,wrn28-10,...] [--activation ash] [--batch 8] [--runs 3]
// CIFAR models: 32x32x3, 10 classes, --batch images per step; EfficientNet: 224x224x3, 1000 classes, batch 2.
// Each model gets one untimed warm-up step, then --runs timed steps (loss + gradients of every trainable
// weight, no optimizer update); the median is reported. On a shared machine, read the numbers with the load.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { tf } from '../src/engine/tf.js';
import { initEngine } from '../src/engine/backend.js';
import { getModel } from '../src/models/registry.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'resnet20,resnet164,wrn28-10,densenet100-12,efficientnet-b0' },
    activation: { type: 'string', default: 'ash' },
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
  },
});

const engine = await initEngine({ backend: values.backend });
const runs = Number(values.runs);

/** The paper's input size for a model, and the batch that keeps one step affordable there. */
function paperSize(name: string): { inputShape: [number, number, number]; numClasses: number; batch: number } {
  if (name.startsWith('efficientnet')) return { inputShape: [224, 224, 3], numClasses: 1000, batch: 2 };
  return { inputShape: [32, 32, 3], numClasses: 10, batch: Number(values.batch) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

console.log(
  `backend ${engine.name}${engine.name === 'wasm' ? ` (SIMD ${engine.simd ? 'on' : 'off'}, threads ${engine.threads ? 'on' : 'off'})` : ''}, ` +
    `activation ${values.activation}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
);
console.log('model              input        batch  params      ms/step   ms/image');
for (const name of values.models.split(',')) {
  const size = paperSize(name);
  const { model } = getModel(name).build({ activation: { name: values.activation }, numClasses: size.numClasses, inputShape: size.inputShape, seed: 1 });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const params = model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * b!, 1), 0);
  const [h, w, c] = size.inputShape;
  const x = tf.randomNormal([size.batch, h, w, c], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: size.batch }, (_, i) => i % size.numClasses), 'int32'), size.numClasses);
  const step = (): number => {
    const t0 = performance.now();
    tf.tidy(() => {
      const { value } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        variables,
      );
      value.dataSync();
    });
    return performance.now() - t0;
  };
  step();
  const times = Array.from({ length: runs }, step);
  const ms = median(times);
  console.log(
    `${name.padEnd(18)} ${size.inputShape.join('x').padEnd(12)} ${String(size.batch).padStart(5)}  ${(params / 1e6).toFixed(2).padStart(6)}M ` +
      `${ms.toFixed(0).padStart(10)} ${(ms / size.batch).toFixed(1).padStart(10)}`,
  );
  tf.dispose([x, y]);
  model.dispose();
}
