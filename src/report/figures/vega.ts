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

/**
 * Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008), black last: eight colours that
 * stay distinct under protanopia, deuteranopia and tritanopia.
 */
export const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#F0E442', '#000000'] as const;

/** Dash patterns (SVG stroke-dasharray), so that lines differ in shape too, in grey print and for any eye. */
export const DASHES: readonly number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [12, 4], [4, 4, 1, 4], [1, 3], [10, 2, 2, 2, 2, 2]];

/** Width the report draws figures at (the HTML scales them to the page width). */
export const FIGURE_WIDTH = 760;

/**
 * Colour and dash per activation label, in `order`: ASH and Swish, neighbours in the paper's order, always
 * get different colours and dashes. The scales are explicit (domain -> range) so a label keeps its look
 * across the figures of a sweep.
 */
export function activationStyle(order: readonly string[]): {
  color: { field: string; type: 'nominal'; title: string; scale: { domain: string[]; range: string[] }; legend: Record<string, unknown> };
  strokeDash: { field: string; type: 'nominal'; scale: { domain: string[]; range: number[][] } };
} {
  const domain = [...order];
  return {
    color: {
      field: 'activation',
      type: 'nominal',
      title: 'activation',
      scale: { domain, range: domain.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]!) },
      // One legend showing colour and dash together (vega-lite merges legends of the same field).
      legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2.5, symbolSize: 400 },
    },
    // Shifted each time the colours wrap, so no two of up to 64 labels share both colour and dash.
    strokeDash: { field: 'activation', type: 'nominal', scale: { domain, range: domain.map((_, i) => DASHES[(i + Math.floor(i / OKABE_ITO.length)) % DASHES.length]!) } },
  };
}
