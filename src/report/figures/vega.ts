// Vega-Lite spec -> SVG string, headless (no browser, no canvas): vega's 'none' renderer and View.toSVG().
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Shared look: the paper's figures are plain; keep fonts generic so the SVG renders the same everywhere. */
export const BASE_CONFIG = {
  font: 'sans-serif',
  view: { stroke: null },
  axis: { grid: true, gridOpacity: 0.4 },
} as const;
