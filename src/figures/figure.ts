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

/** Fixed colour per design, so m3 has the same colour in every figure of a run. */
const DESIGN_COLORS: Record<string, string> = {
  m1: '#4c72b0', m2: '#dd8452', m3: '#55a868', m4: '#c44e52', m5: '#8172b3', m6: '#937860',
  'base-mean': '#8c8c8c', 'base-eos': '#b0b0b0', base: '#8c8c8c',
};
const EXTRA_COLORS = ['#da8bc3', '#ccb974', '#64b5cd', '#2f4b7c', '#a05195', '#f95d6a'];

/** The colour of a design (unknown names get a stable colour from their name). */
export function designColor(name: string): string {
  const known = DESIGN_COLORS[name];
  if (known) return known;
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return EXTRA_COLORS[h % EXTRA_COLORS.length]!;
}

/** Layout shared by the figures: white background, paper-friendly font, legend on top. */
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
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
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
