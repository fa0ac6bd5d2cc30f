// One registry of activations by name (timm's create_act_layer idea): a sweep names an activation and its
// options as data, and this module validates them and builds a NEW layer for every call site.
import { z } from 'zod';
import { tfl } from '../engine/tf.js';
import { UserError, unknownName } from '../engine/errors.js';
import type { ActivationSpec } from '../contract/spec.js';
import type { AshLayerState } from '../contract/result.js';
import { normalQuantile } from './normal-quantile.js';
import { AshLayer, DEFAULT_EPSILON } from './layers/ash.js';
import { AshHardLayer, AshTopKLayer } from './layers/ash-fixed.js';
import { EluLayer, GeluLayer, LeakyReluLayer, MishLayer, ReluLayer, SeluLayer, SoftplusLayer } from './layers/baselines.js';
import { PReluLayer, SwishLayer } from './layers/learned-baselines.js';

type Layer = tfl.layers.Layer;

export interface ActivationEntry<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** Strict schema of the options (every key but `name`), with the defaults filled in by parsing. */
  options: S;
  create(options: z.output<S>, layerName?: string): Layer;
}

const finite = (what: string) => z.number({ error: `expected ${what}` }).finite({ error: `expected ${what}` });
const openFraction = (what: string) => finite(what).gt(0, { error: `expected ${what}` }).lt(1, { error: `expected ${what}` });
const flag = z.boolean({ error: 'expected true or false' });
const statsScope = z.enum(['sample', 'channel'], { error: "expected 'sample' or 'channel'" });
const epsilon = finite('a number > 0').gt(0, { error: 'expected a number > 0' }).default(DEFAULT_EPSILON);

/** z and k are two ways to give one threshold; giving both is ambiguous. */
const thresholdShape = {
  z: finite('a finite number (threshold in standard deviations above the mean)').optional(),
  k: openFraction('a fraction 0 < k < 1 (the top fraction kept)').optional(),
};
function oneThreshold(options: { z?: number | undefined; k?: number | undefined }, ctx: z.RefinementCtx): void {
  if (options.z !== undefined && options.k !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['k'], message: 'give either z or k, not both (z = Phi^-1(1 - k))' });
  }
}
/** The initial z: given, derived from k, or 0 (keep the top half). */
function thresholdZ(options: { z?: number | undefined; k?: number | undefined }): number {
  if (options.z !== undefined) return options.z;
  if (options.k !== undefined) return normalQuantile(1 - options.k);
  return 0;
}

const noOptions = z.strictObject({});

const ashOptions = z
  .strictObject({
    ...thresholdShape,
    alpha: finite('a number > 0').gt(0, { error: 'expected a number > 0' }).default(1),
    trainAlpha: flag.default(true),
    stopStatsGradient: flag.default(false),
    stats: statsScope.default('sample'),
    epsilon,
  })
  .superRefine(oneThreshold);

const ashHardOptions = z.strictObject({ ...thresholdShape, stats: statsScope.default('sample'), epsilon }).superRefine(oneThreshold);

function entry<S extends z.ZodType>(e: ActivationEntry<S>): ActivationEntry {
  return e as unknown as ActivationEntry;
}

const named = (layerName: string | undefined) => (layerName === undefined ? {} : { name: layerName });

const ENTRIES: ActivationEntry[] = [
  entry({
    name: 'ash',
    description: 'ASH, Eq. 10: x * sigmoid(2 alpha (x - mean - z std)) with trainable z and alpha',
    options: ashOptions,
    create: (o, layerName) =>
      new AshLayer({
        ...named(layerName),
        z: thresholdZ(o),
        k: o.k ?? null,
        alpha: o.alpha,
        trainAlpha: o.trainAlpha,
        stopStatsGradient: o.stopStatsGradient,
        stats: o.stats,
        epsilon: o.epsilon,
      }),
  }),
  entry({
    name: 'ash-hard',
    description: 'ASH, Eq. 7: x where x >= mean + z std, else 0 (not trainable)',
    options: ashHardOptions,
    create: (o, layerName) =>
      new AshHardLayer({ ...named(layerName), z: thresholdZ(o), k: o.k ?? null, stats: o.stats, epsilon: o.epsilon }),
  }),
  entry({
    name: 'ash-topk',
    description: 'ASH, Eq. 2: keeps exactly the top ceil(k N) elements of each sample',
    options: z.strictObject({
      k: finite('a fraction 0 < k <= 1')
        .gt(0, { error: 'expected a fraction 0 < k <= 1' })
        .max(1, { error: 'expected a fraction 0 < k <= 1' })
        .default(0.5),
    }),
    create: (o, layerName) => new AshTopKLayer({ ...named(layerName), k: o.k }),
  }),
  entry({ name: 'relu', description: 'ReLU: max(x, 0)', options: noOptions, create: (_, n) => new ReluLayer(named(n)) }),
  entry({
    name: 'lrelu',
    description: 'Leaky ReLU: x if x > 0 else slope * x',
    options: z.strictObject({ slope: finite('a number >= 0').min(0, { error: 'expected a number >= 0' }).default(0.01) }),
    create: (o, n) => new LeakyReluLayer({ ...named(n), slope: o.slope }),
  }),
  entry({
    name: 'prelu',
    description: 'PReLU: leaky ReLU with a learned slope, one per channel by default',
    options: z.strictObject({ slope: finite('a finite number').default(0.25), perChannel: flag.default(true) }),
    create: (o, n) => new PReluLayer({ ...named(n), slope: o.slope, perChannel: o.perChannel }),
  }),
  entry({ name: 'softplus', description: 'Softplus: log(1 + exp(x))', options: noOptions, create: (_, n) => new SoftplusLayer(named(n)) }),
  entry({ name: 'elu', description: 'ELU with alpha 1', options: noOptions, create: (_, n) => new EluLayer(named(n)) }),
  entry({ name: 'selu', description: 'SELU (self-normalising constants)', options: noOptions, create: (_, n) => new SeluLayer(named(n)) }),
  entry({
    name: 'gelu',
    description: "GELU: x Phi(x), exact (erf) or approximate: 'tanh'",
    options: z.strictObject({ approximate: z.enum(['none', 'tanh'], { error: "expected 'none' or 'tanh'" }).default('none') }),
    create: (o, n) => new GeluLayer({ ...named(n), approximate: o.approximate }),
  }),
  entry({
    name: 'swish',
    description: 'Swish: x sigmoid(beta x), beta fixed (SiLU at 1) or learned',
    options: z.strictObject({ beta: finite('a finite number').default(1), trainBeta: flag.default(false) }),
    create: (o, n) => new SwishLayer({ ...named(n), beta: o.beta, trainBeta: o.trainBeta }),
  }),
  entry({ name: 'mish', description: 'Mish: x tanh(softplus(x))', options: noOptions, create: (_, n) => new MishLayer(named(n)) }),
];

const BY_NAME = new Map(ENTRIES.map((e) => [e.name, e]));

export function activationNames(): string[] {
  return ENTRIES.map((e) => e.name);
}

function lookUp(name: string): ActivationEntry {
  const found = BY_NAME.get(name);
  if (!found) throw unknownName('activation', name, activationNames());
  return found;
}

/** The registry entry (name, description, options schema) of one activation. */
export function activationEntry(name: string): Readonly<ActivationEntry> {
  return lookUp(name);
}

/** The strict zod schema of an activation's options (without `name`), for config validation to reuse. */
export function activationOptionsSchema(name: string): z.ZodType {
  return lookUp(name).options;
}

function describeIssue(activation: string, issue: z.core.$ZodIssue, options: Record<string, unknown>): string {
  if (issue.code === 'unrecognized_keys') {
    const valid = Object.keys((lookUp(activation).options as unknown as { shape?: object }).shape ?? {});
    const known = valid.length > 0 ? `valid options: ${valid.join(', ')}` : 'it takes no options';
    return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (${known})`;
  }
  const key = issue.path.map(String).join('.');
  const given = issue.path.length === 1 && issue.code !== 'custom' ? options[String(issue.path[0])] : undefined;
  return `option '${key}': ${issue.message}${given === undefined ? '' : `, got ${JSON.stringify(given)}`}`;
}

/** Validated options of `spec` with the defaults filled in; a UserError naming the activation and option otherwise. */
export function parseActivationOptions(spec: ActivationSpec): Record<string, unknown> {
  const { name, ...options } = spec;
  const parsed = lookUp(name).options.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => describeIssue(name, issue, options));
    throw new UserError(`activation '${name}': ${problems.join('; ')}`);
  }
  return parsed.data as Record<string, unknown>;
}

/** A new activation layer for `spec` (e.g. { name: 'ash', k: 0.1 }); `layerName` names the layer in the model. */
export function createActivation(spec: ActivationSpec, layerName?: string): Layer {
  const options = parseActivationOptions(spec);
  return lookUp(spec.name).create(options, layerName);
}

/** Is this layer a trainable (smooth, Eq. 10) ASH layer, the one with a learned z and alpha? */
export function isAshLayer(layer: unknown): layer is AshLayer {
  return layer instanceof AshLayer;
}

/** The current z and alpha of one ASH layer, for training logs. */
export function readAshState(layer: AshLayer): AshLayerState {
  return { layer: layer.name, ...layer.currentParameters() };
}

/** The current z and alpha of every trainable ASH layer of a model (nested models included), in layer order. */
export function ashLayerStates(model: { layers: Layer[] }): AshLayerState[] {
  const states: AshLayerState[] = [];
  for (const layer of model.layers) {
    if (isAshLayer(layer)) states.push(readAshState(layer));
    else if (Array.isArray((layer as unknown as { layers?: unknown }).layers)) {
      states.push(...ashLayerStates(layer as unknown as { layers: Layer[] }));
    }
  }
  return states;
}
