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
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Collect the object shapes `schema` may have at `path` (several when unions are involved). */
function shapesAt(schema: z.ZodType | undefined, path: readonly PropertyKey[], out: Record<string, z.ZodType>[]): void {
  if (!schema) return;
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return shapesAt(def.innerType, path, out);
    case 'pipe':
      // preprocess is pipe(transform, schema); .transform() is pipe(schema, transform).
      return shapesAt(defOf(def.in!).type === 'transform' ? def.out : def.in, path, out);
    case 'union':
      for (const option of def.options ?? []) shapesAt(option, path, out);
      return;
    case 'object':
      if (path.length === 0) out.push(def.shape!);
      else shapesAt(def.shape![String(path[0])], path.slice(1), out);
      return;
    case 'array':
      if (path.length > 0) shapesAt(def.element, path.slice(1), out);
      return;
    case 'record':
      if (path.length > 0) shapesAt(def.valueType, path.slice(1), out);
      return;
    default:
      return;
  }
}

/** The keys an object at `path` may have, or undefined when the schema does not say. */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  const shapes: Record<string, z.ZodType>[] = [];
  shapesAt(schema, path, shapes);
  if (shapes.length === 0) return undefined;
  return [...new Set(shapes.flatMap((s) => Object.keys(s)))];
}
