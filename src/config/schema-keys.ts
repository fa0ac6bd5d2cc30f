// Which keys a schema accepts at a path, so an unknown key can be answered with the valid ones.
// Walks zod's definitions through the wrappers (optional, default, pipe...) this project uses.
import type * as z from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  /** Discriminated unions: the key whose literal picks the option. */
  discriminator?: string;
  /** Literals. */
  values?: unknown[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function child(value: unknown, key: PropertyKey): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as string] : undefined;
}

/** The literal values `schema` accepts (through wrappers), or [] when it is not a literal. */
function literalValues(schema: z.ZodType | undefined): unknown[] {
  if (!schema) return [];
  const def = defOf(schema);
  if (def.type === 'literal') return def.values ?? [];
  return def.innerType ? literalValues(def.innerType) : [];
}

/**
 * Collect the object shapes `schema` may have at `path` (several when unions are involved). `value` is the
 * input at the same place: a discriminated union then contributes only the option its tag names (an AdamW
 * optimizer's keys, not SGD's), all options when the tag is missing or unknown.
 */
function shapesAt(schema: z.ZodType | undefined, path: readonly PropertyKey[], out: Record<string, z.ZodType>[], value?: unknown): void {
  if (!schema) return;
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return shapesAt(def.innerType, path, out, value);
    case 'pipe':
      // preprocess is pipe(transform, schema); .transform() is pipe(schema, transform).
      return shapesAt(defOf(def.in!).type === 'transform' ? def.out : def.in, path, out, value);
    case 'union': {
      const options = def.options ?? [];
      const tag = def.discriminator !== undefined ? child(value, def.discriminator) : undefined;
      const chosen = tag === undefined ? [] : options.filter((o) => shapeOf(o)?.[def.discriminator!] && literalValues(shapeOf(o)![def.discriminator!]).includes(tag));
      for (const option of chosen.length > 0 ? chosen : options) shapesAt(option, path, out, value);
      return;
    }
    case 'object':
      if (path.length === 0) out.push(def.shape!);
      else shapesAt(def.shape![String(path[0])], path.slice(1), out, child(value, path[0]!));
      return;
    case 'array':
      if (path.length > 0) shapesAt(def.element, path.slice(1), out, child(value, path[0]!));
      return;
    case 'record':
      if (path.length > 0) shapesAt(def.valueType, path.slice(1), out, child(value, path[0]!));
      return;
    default:
      return;
  }
}

/** The shape of an object schema (through wrappers), for reading a union option's discriminator. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const shapes: Record<string, z.ZodType>[] = [];
  shapesAt(schema, [], shapes);
  return shapes.length === 1 ? shapes[0] : undefined;
}

/**
 * The keys an object at `path` may have, or undefined when the schema does not say. Give the `input` the
 * schema was checked against to narrow discriminated unions to the option the input names.
 */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[], input?: unknown): string[] | undefined {
  const shapes: Record<string, z.ZodType>[] = [];
  shapesAt(schema, path, shapes, input);
  if (shapes.length === 0) return undefined;
  return [...new Set(shapes.flatMap((s) => Object.keys(s)))];
}
