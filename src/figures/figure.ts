// The figure format every builder returns: Plotly's own JSON ({data, layout}), nothing else, so the
// same object is drawn inline in a notebook, exported by headless Chromium, or saved as JSON.
// The types are deliberately loose (Plotly's attribute space is huge); builders only use keys
// from Plotly's reference (https://plotly.com/javascript/reference/).

/** One Plotly trace: `type` plus any Plotly attributes. */
export interface Trace {
  type: 'scatter' | 'bar' | 'heatmap';
  name?: string;
  [attribute: string]: unknown;
}

/** Plotly layout attributes; width/height also set the exported image size. */
export interface Layout {
  title?: { text: string };
  width?: number;
  height?: number;
  [attribute: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout: Layout;
}

/**
 * The one colour map of the study, keyed by design name: the same design has the same colour in every
 * figure, and no two designs or reference rows share one (m1–m6 seaborn's "deep" hues; the base model
 * greys, mean light and EOS dark; the outside encoders khaki and cyan). User designs (m7, m8, … from
 * 07-new-pooling, or any other name) take USER_COLORS, each at least ΔE 22 (CIELAB) from every fixed
 * colour and from each other (test/figures.test.ts measures it), so a new design never looks like one
 * of the study's. setDesignColor pins one by hand.
 */
export const DESIGN_COLORS: Record<string, string> = {
  m1: '#4c72b0', m2: '#dd8452', m3: '#55a868', m4: '#c44e52', m5: '#8172b3', m6: '#937860',
  'base-mean': '#8c8c8c', 'base-eos': '#3d3d3d', base: '#8c8c8c', 'use-lite': '#ccb974',
  minilm: '#64b5cd',
};
/** pink, gold, teal, magenta, grass green, navy, vermilion, maroon, violet, olive */
export const USER_COLORS = ['#da8bc3', '#e6ab02', '#008080', '#e7298a', '#66a61e', '#000080', '#e6550d', '#800000', '#7f3c8d', '#bcbd22'];

const pinned = new Map<string, string>();

/** Give a design a colour of your choice (every figure built afterwards uses it). */
export function setDesignColor(name: string, color: string): void {
  pinned.set(name, color);
}

/** The colour of a design: pinned, fixed, then m<n> (n ≥ 7) in USER_COLORS order, else a stable pick by name. */
export function designColor(name: string): string {
  const known = pinned.get(name) ?? DESIGN_COLORS[name];
  if (known) return known;
  const m = /^m(\d+)$/.exec(name);
  if (m && Number(m[1]) >= 7) return USER_COLORS[(Number(m[1]) - 7) % USER_COLORS.length]!;
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return USER_COLORS[h % USER_COLORS.length]!;
}

/**
 * Layout shared by the figures: white background, paper-friendly font. The legend sits right of the
 * plot, top-aligned, outside the plotting area: however many designs it lists, it never reaches the
 * title (Plotly widens the right margin to fit it).
 */
export function baseLayout(title: string, xTitle: string, yTitle: string, extra: Partial<Layout> = {}): Layout {
  return {
    title: { text: title },
    width: 800,
    height: 480,
    font: { family: 'Arial, Helvetica, sans-serif', size: 13 },
    paper_bgcolor: 'white',
    plot_bgcolor: 'white',
    margin: { l: 70, r: 20, t: 60, b: 70 },
    xaxis: { title: { text: xTitle }, showline: true, linecolor: '#444', gridcolor: '#e5e5e5', zeroline: false },
    yaxis: { title: { text: yTitle }, showline: true, linecolor: '#444', gridcolor: '#e5e5e5', zeroline: false },
    legend: { orientation: 'v', x: 1.02, xanchor: 'left', y: 1, yanchor: 'top' },
    ...extra,
  };
}

/** Bad input is an error that names the figure and the offending item, never a blank plot. */
export function checkFinite(figure: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${figure}: ${what} must be a finite number, got ${JSON.stringify(value)}`);
  }
  return value;
}
