// Launch templates for other engines live in runners/ at the package root (next to src/ and dist/),
// with {{NAME}} placeholders. Filling checks both ways: a placeholder without a value and a value
// without a placeholder are errors, so a template and its filler cannot drift apart silently.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** runners/<relative>, found from this module: src/runner/ under tsx and dist/runner/ when built are both two levels down. */
export function runnersPath(relative: string): string {
  return fileURLToPath(new URL(`../../runners/${relative}`, import.meta.url));
}

export function fillTemplate(file: string, text: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const filled = text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template ${file}: no value for placeholder {{${name}}}`);
    used.add(name);
    return value;
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`template ${file}: it has no placeholder for ${unused.map((n) => `{{${n}}}`).join(', ')}`);
  return filled;
}

export function fillTemplateFile(relative: string, values: Record<string, string>): string {
  const file = runnersPath(relative);
  return fillTemplate(file, readFileSync(file, 'utf8'), values);
}
