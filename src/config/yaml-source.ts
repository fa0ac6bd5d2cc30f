// YAML files parsed with their node tree kept, so that a path into the parsed value (as zod reports
// it) can be turned back into the LINE:COL where the user wrote it.
import YAML, { LineCounter, isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

/** A YAML syntax error with its position (1-based). */
export interface YamlSyntaxError extends Position {
  message: string;
}

export function parseYaml(file: string, text: string): { source: YamlSource; errors: YamlSyntaxError[] } {
  const lines = new LineCounter();
  // merge: `<<: *anchor` works as users of YAML anchors expect; uniqueKeys (the default) makes a
  // repeated key an error instead of a silent last-one-wins.
  const doc = YAML.parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false });
  const errors = doc.errors.map((err) => {
    const { line, col } = lines.linePos(err.pos[0]);
    // The message without yaml's own "at line X, column Y" suffix: the position is printed in front.
    return { line, col, message: err.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '') };
  });
  return { source: { file, doc, lines }, errors };
}

function positionOf(source: YamlSource, node: Node | null | undefined): Position | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = source.lines.linePos(offset);
  return { line, col };
}

/** Where a path points in a file: `exact` when the file itself spells out this path. */
export interface Located {
  position: Position;
  exact: boolean;
  /** How many leading path segments the file defines. */
  depth: number;
}

/**
 * Find `path` in the file. `at: 'key'` points at the key of the last segment (for unknown keys);
 * `at: 'value'` at its value (for wrong values; a missing value points at its key). A path the file
 * does not spell out points at the key of its deepest ancestor that it does.
 */
export function locate(source: YamlSource, path: readonly PropertyKey[], at: 'key' | 'value' = 'value'): Located {
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(source.doc) : node);
  let node: unknown = resolve(source.doc.contents);
  let best: Position = positionOf(source, node as Node) ?? { line: 1, col: 1 };
  let keyPosition: Position | undefined;
  for (let depth = 0; depth < path.length; depth++) {
    const segment = path[depth]!;
    let next: unknown;
    let keyNode: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair) {
        keyNode = pair.key as Node;
        next = resolve(pair.value);
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = resolve(node.items[segment]);
    }
    if (next === undefined && keyNode === undefined) {
      return { position: keyPosition ?? best, exact: false, depth };
    }
    keyPosition = keyNode ? positionOf(source, keyNode) : positionOf(source, next as Node);
    best = positionOf(source, next as Node) ?? keyPosition ?? best;
    node = next;
  }
  if (at === 'key' && keyPosition) return { position: keyPosition, exact: true, depth: path.length };
  // `key:` with nothing after it has a null scalar without a useful range; its key is the place.
  const valuePosition = isScalar(node) && node.value === null && keyPosition ? keyPosition : best;
  return { position: valuePosition, exact: true, depth: path.length };
}
