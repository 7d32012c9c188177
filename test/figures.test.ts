// Figures: export through headless Chromium (PNG/SVG checked by independent parsers), inline HTML
// that really draws in a browser, and the builders' numbers and input checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import {
  categoryScoresFigure, datasetScoresFigure, differenceHeatmapFigure, exportFigures, layerNormsFigure,
  layerSpearmanFigure, lossCurvesFigure, readLossJsonl, CHROMIUM_ARGS, chromiumPath,
  designColor, setDesignColor, DESIGN_COLORS, USER_COLORS, signedFixed, divergingColor, EXPORT_DPI, EXPORT_FORMATS, PAGE_WIDTH_PX,
} from '../src/figures/index.ts';
import { columnKind, formatDifference, formatP, formatScore, formatSeconds } from '../src/report/format.ts';
import { formatNumber, designLabel } from '../src/report/table.ts';
import * as aq from 'arquero';
import { figureHtml, formatCell, plotlyLibraryHtml, scriptSafe, tableHtml } from '../src/notebook/show.ts';
import { writeFileSync } from 'node:fs';
import { python } from './helpers.ts';

const APT_CHROMIUM = 'apt-get install -y --no-install-recommends chromium';

function requireChromium(): void {
  if (!existsSync(process.env.PA_CHROMIUM ?? '/usr/bin/chromium')) {
    assert.fail(`Debian's chromium is not installed (needed for figure export): ${APT_CHROMIUM}`);
  }
}

const loss = lossCurvesFigure([
  { design: 'm1', rows: [{ step: 2, loss: 1.4 }, { step: 1, loss: 2.0 }, { step: 3, loss: 1.1 }] },
  { design: 'm3', rows: [{ step: 1, loss: 2.1 }, { step: 2, loss: 1.3 }, { step: 3, loss: 0.9 }] },
]);
const heat = differenceHeatmapFigure({
  rows: ['m2', 'm3'], cols: ['STS', 'Retrieval', 'Clustering'],
  values: [[0.5, -1.25, 0.1], [1.1, null, -0.3]], marks: [['*', '', ''], ['**', '', '†']],
});

/** PNG: the 8-byte signature, then IHDR with big-endian width and height. */
function pngSize(buf: Buffer): { width: number; height: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('exportFigures writes PNG and SVG through Chromium; an XML parser reads the SVG and finds the trace names', async () => {
  requireChromium();
  const dir = mkdtempSync(join(tmpdir(), 'pa-fig-test-'));
  try {
    const t0 = Date.now();
    const files = await exportFigures([{ name: 'loss', figure: loss }, { name: 'heat', figure: heat }], dir, { formats: ['png', 'svg'], scale: 2 });
    const ms = Date.now() - t0;
    assert.deepEqual(files, ['loss.png', 'loss.svg', 'heat.png', 'heat.svg'].map((f) => join(dir, f)));
    assert.deepEqual(pngSize(readFileSync(join(dir, 'loss.png'))), { width: 800 * 2, height: 480 * 2 });
    assert.deepEqual(pngSize(readFileSync(join(dir, 'heat.png'))), { width: 800 * 2, height: (heat.layout.height as number) * 2 });
    // Python's XML parser (independent of the browser that wrote it) reads each SVG.
    const code = `
import json, sys, xml.etree.ElementTree as ET
out = {}
for f in json.load(sys.stdin):
    root = ET.parse(f).getroot()
    texts = [t.text for t in root.iter('{http://www.w3.org/2000/svg}text') if t.text]
    texts += [t.text for t in root.iter() if t.tag.endswith('tspan') and t.text]
    out[f] = {'tag': root.tag, 'width': root.get('width'), 'texts': texts}
print(json.dumps(out))`;
    const parsed = python<Record<string, { tag: string; width: string; texts: string[] }>>(code, [join(dir, 'loss.svg'), join(dir, 'heat.svg')]);
    const l = parsed[join(dir, 'loss.svg')]!;
    const h = parsed[join(dir, 'heat.svg')]!;
    assert.equal(l.tag, '{http://www.w3.org/2000/svg}svg');
    assert.equal(l.width, '800');
    for (const name of ['m1', 'm3']) assert.ok(l.texts.includes(name), `legend entry ${name} in loss.svg: ${l.texts.join('|')}`);
    // the heatmap prints differences with their significance marks
    // the heatmap prints differences as the tables do: signed, a true minus sign (U+2212)
    for (const cell of ['+0.50*', '−1.25', '+1.10**', '−0.30†']) assert.ok(h.texts.includes(cell), `cell text ${cell} in heat.svg: ${h.texts.join('|')}`);
    // the heatmap is vector: no embedded bitmap, one filled path per measured cell
    const heatSvg = readFileSync(join(dir, 'heat.svg'), 'utf8');
    assert.doesNotMatch(heatSvg, /<image\b/, 'no bitmap inside the heatmap SVG');
    for (const v of [0.5, -1.25, 0.1, 1.1, -0.3]) assert.ok(heatSvg.includes(divergingColor(v / 1.25).replace(/,/g, ', ')) || heatSvg.includes(divergingColor(v / 1.25)), `a cell filled with ${divergingColor(v / 1.25)}`);
    process.stderr.write(`[figures test] 2 figures × 2 formats exported in ${ms} ms (browser start included)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inline figure HTML draws in a browser: the library embedded once, a later figure reuses it', async () => {
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'pa-fig-inline-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    // Two outputs as a notebook would hold them: the first with plotly.js, the second without.
    const html = figureHtml(loss, { includePlotly: true, id: 'first' }) + figureHtml(heat, { id: 'second' });
    assert.equal(html.split('plotly.js v').length - 1, 1, 'plotly.js appears once');
    await page.setContent(`<!doctype html><html><body>${html}</body></html>`);
    await page.waitForFunction(`document.querySelectorAll('#first .main-svg').length > 0 && document.querySelectorAll('#second .main-svg').length > 0`, undefined, { timeout: 30_000 });
    const legend = await page.evaluate(`[...document.querySelectorAll('#first .legendtext')].map((e) => e.textContent)`) as string[];
    assert.deepEqual(legend, ['m1', 'm3']);
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('scriptSafe leaves no </script> inside the embedded library or figure JSON', () => {
  assert.equal(scriptSafe('a</script>b</SCRIPT>'), 'a<\\/script>b<\\/SCRIPT>');
  const lib = plotlyLibraryHtml();
  assert.equal(lib.match(/<\/script/gi)?.length, 1, 'only the closing tag of the wrapper');
  const fig = lossCurvesFigure([{ design: '</script><b>x', rows: [{ step: 1, loss: 1 }] }]);
  assert.equal(figureHtml(fig).match(/<\/script/gi)?.length, 1);
});

test('category scores: error bars give back lo and hi; an interval without its mean is an error', () => {
  const scores = { m1: { STS: { mean: 0.6, lo: 0.5, hi: 0.75 }, Retrieval: { mean: 0.3, lo: 0.2, hi: 0.31 } }, m2: { STS: { mean: 0.62, lo: 0.6, hi: 0.7 } } };
  const fig = categoryScoresFigure(scores);
  const t = fig.data[0]! as unknown as { x: string[]; y: number[]; error_y: { array: number[]; arrayminus: number[] } };
  assert.deepEqual(t.x, ['STS', 'Retrieval']);
  t.x.forEach((c, i) => {
    const s = scores.m1[c as 'STS' | 'Retrieval'];
    assert.ok(Math.abs(t.y[i]! + t.error_y.array[i]! - s.hi) < 1e-12);
    assert.ok(Math.abs(t.y[i]! - t.error_y.arrayminus[i]! - s.lo) < 1e-12);
  });
  assert.deepEqual((fig.data[1] as unknown as { y: (number | null)[] }).y, [0.62, null], 'a missing category is a gap, not 0');
  assert.throws(() => categoryScoresFigure({ m1: { STS: { mean: 0.9, lo: 0.5, hi: 0.75 } } }), /m1 \/ STS: interval \[0.5, 0.75\] does not contain the mean 0.9/);
  assert.throws(() => categoryScoresFigure({ m1: { STS: { mean: NaN, lo: 0.5, hi: 0.75 } } }), /m1 \/ STS mean must be a finite number/);
});

test('builders check shapes and ranges, naming the offending item', () => {
  assert.throws(() => differenceHeatmapFigure({ rows: ['m2'], cols: ['a', 'b'], values: [[1]] }), /row m2 has 1 values for 2 categories/);
  assert.throws(() => differenceHeatmapFigure({ rows: ['m2'], cols: ['a'], values: [[1]], marks: [['*', '']] }), /row m2 has 2 marks for 1 categories/);
  assert.throws(() => layerSpearmanFigure([{ name: 'base', layers: [0, 1], spearman: [0.1, 1.2] }]), /base layer 1: ρ=1.2 is outside/);
  assert.throws(() => layerSpearmanFigure([{ name: 'base', layers: [1, 0], spearman: [0.1, 0.2] }]), /layers must ascend/);
  assert.throws(() => layerNormsFigure({ design: 'm3', layers: [0, 1], values: [1] }), /m3 has 2 layers but 1 values/);
  assert.throws(() => layerNormsFigure({ design: 'm3', layers: [0], values: [-1] }), /m3 layer 0: -1 is negative/);
  assert.throws(() => datasetScoresFigure({ m1: { STSB: Infinity } }), /m1 \/ STSB must be a finite number/);
  assert.throws(() => lossCurvesFigure([{ design: 'm1', rows: [] }]), /m1 has no loss rows/);
  // loss rows are drawn in step order whatever order they came in
  assert.deepEqual((loss.data[0] as unknown as { x: number[] }).x, [1, 2, 3]);
  // the heatmap's colour range is symmetric about 0, so 0 is the neutral colour
  const h = (heat.data[1] as unknown as { marker: { cmin: number; cmid: number; cmax: number } }).marker;
  assert.deepEqual([h.cmin, h.cmid, h.cmax], [-1.25, 0, 1.25]);
  assert.equal(divergingColor(0), 'rgb(247,247,247)', 'zero is white');
  assert.equal(divergingColor(-1), 'rgb(178,24,43)');
  assert.equal(divergingColor(1), 'rgb(33,102,172)');
  // one trace per design, one row per dataset in first-seen order (scores across, datasets down)
  const ds = datasetScoresFigure({ m1: { A: 1, B: 2 }, m2: { B: 3, C: 4 } });
  assert.deepEqual(ds.data.map((t) => [t.name, (t as unknown as { x: unknown[] }).x]), [['m1', [1, 2, null]], ['m2', [null, 3, 4]]]);
  assert.deepEqual((ds.layout.yaxis as { ticktext: string[] }).ticktext, ['A', 'B', 'C']);
  const rows = ds.data.map((t) => (t as unknown as { y: number[] }).y.map((v) => Math.round(v) || 0));
  assert.deepEqual(rows, [[0, 1, 2], [0, 1, 2]], 'both designs on the same rows');
});

test('the dataset figure fits a paper page: 7 in wide, under 9 in tall for 21 datasets × 11 designs, grouped by category', () => {
  const cats: Record<string, number> = { Classification: 3, Clustering: 2, PairClassification: 3, Reranking: 2, Retrieval: 3, STS: 7, Summarization: 1 };
  const categories: Record<string, string> = {};
  for (const [c, n] of Object.entries(cats)) for (let i = 0; i < n; i++) categories[`${c}Set${i}`] = c;
  const designs = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'base-mean', 'base-eos', 'use-lite', 'minilm'];
  const scores = Object.fromEntries(designs.map((d, k) => [d, Object.fromEntries(Object.keys(categories).map((ds, i) => [ds, ((k * 7 + i * 3) % 10) / 10]))]));
  // datasets given out of category order come back grouped, categories in the stated order
  const fig = datasetScoresFigure(scores, { datasets: Object.keys(categories).reverse(), categories, categoryOrder: Object.keys(cats) });
  assert.ok(fig.layout.width! <= 7 * 96 && fig.layout.width === PAGE_WIDTH_PX, `width ${fig.layout.width} px`);
  assert.ok(fig.layout.height! <= 9 * 96, `height ${fig.layout.height} px = ${(fig.layout.height! / 96).toFixed(1)} in`);
  const legend = fig.layout.legend as { orientation: string; y: number };
  assert.ok(legend.orientation === 'h' && legend.y < 0, 'the legend below the plot, not beside it');
  const ticks = (fig.layout.yaxis as { ticktext: string[] }).ticktext;
  assert.equal(ticks.length, 21 + 7);
  assert.deepEqual(ticks.filter((t) => t.startsWith('<b>')), Object.keys(cats).map((c) => `<b>${c}</b>`));
  assert.equal(ticks[ticks.indexOf('<b>STS</b>') + 1], 'STSSet6', 'a category\'s datasets follow its header');
  // the designs' dots within a row stay inside the row
  const ys = fig.data.map((t) => (t as unknown as { y: number[] }).y[0]!);
  assert.ok(Math.max(...ys) - Math.min(...ys) < 1, `dodge ${Math.max(...ys) - Math.min(...ys)} rows`);
});

test('the one export (no options, as every notebook calls it): PNG at 300 dpi written into the file, SVG, and PDF as one vector page of the figure\'s size', async () => {
  requireChromium();
  const dir = mkdtempSync(join(tmpdir(), 'pa-fig-dpi-'));
  try {
    assert.deepEqual([EXPORT_DPI, [...EXPORT_FORMATS]], [300, ['png', 'svg', 'pdf']]);
    const all = await exportFigures([{ name: 'loss', figure: loss }], dir);
    assert.deepEqual(all, ['loss.png', 'loss.svg', 'loss.pdf'].map((f) => join(dir, f)));
    const files = [all[0]!, all[2]!];
    assert.deepEqual(pngSize(readFileSync(join(dir, 'loss.png'))), { width: 800 * 300 / 96, height: 480 * 300 / 96 });
    // Python reads the chunks (zlib's CRC, its own parser) and the PDF's page box
    const code = `
import json, re, struct, sys, zlib
png, pdf = json.load(sys.stdin)
b = open(png, 'rb').read()
chunks, i = {}, 8
while i < len(b):
    n, = struct.unpack('>I', b[i:i+4]); t = b[i+4:i+8]; d = b[i+8:i+8+n]; c, = struct.unpack('>I', b[i+8+n:i+12+n])
    assert zlib.crc32(t + d) == c, t
    chunks[t.decode()] = d; i += 12 + n
x, y, unit = struct.unpack('>IIB', chunks['pHYs'])
p = open(pdf, 'rb').read()
boxes = re.findall(rb'/MediaBox \\[([^\\]]*)\\]', p)
print(json.dumps({'dpi': x * 0.0254, 'square': x == y, 'unit': unit, 'head': p[:5].decode(),
  'pages': len(re.findall(rb'/Type\\s*/Page\\b', p)), 'images': len(re.findall(rb'/Subtype\\s*/Image', p)),
  'box': [float(v) for v in boxes[0].split()] if boxes else None}))`;
    const got = python<{ dpi: number; square: boolean; unit: number; head: string; pages: number; images: number; box: number[] | null }>(code, files);
    assert.ok(Math.abs(got.dpi - 300) < 0.01 && got.square && got.unit === 1, `pHYs ${JSON.stringify(got)}`);
    assert.equal(got.head, '%PDF-');
    assert.equal(got.pages, 1, 'one page');
    assert.equal(got.images, 0, 'no bitmap: the PDF is vector');
    // page box in points (72 per inch) = the figure's CSS pixels (96 per inch)
    assert.ok(got.box && Math.abs(got.box[2]! - got.box[0]! - 800 * 72 / 96) < 1 && Math.abs(got.box[3]! - got.box[1]! - 480 * 72 / 96) < 1, `MediaBox ${got.box}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exportFigures refuses bad names and reports a missing Chromium with the apt package', async () => {
  await assert.rejects(exportFigures([{ name: '../x', figure: loss }], tmpdir()), /not a plain file name/);
  await assert.rejects(exportFigures([{ name: 'a', figure: loss }, { name: 'a', figure: heat }], tmpdir()), /used twice/);
  await assert.rejects(exportFigures([{ name: 'a', figure: loss }], tmpdir(), { executablePath: '/nonexistent/chromium' }), /apt-get install -y --no-install-recommends chromium/);
});

test('readLossJsonl reads the trainer format and names file:line on bad rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-loss-'));
  try {
    const f = join(dir, 'loss.jsonl');
    writeFileSync(f, '{"step":1,"loss":2.5,"lr":0.001}\n{"step":2,"loss":2.25}\n');
    assert.deepEqual(readLossJsonl(f), [{ step: 1, loss: 2.5 }, { step: 2, loss: 2.25 }]);
    writeFileSync(f, '{"step":1,"loss":2.5}\n{"step":2,"loss":null}\n');
    assert.throws(() => readLossJsonl(f), new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: 'loss' must be a finite number`));
    assert.throws(() => readLossJsonl(join(dir, 'nope.jsonl')), /no such loss file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one colour per design: a user design never takes a study colour; legends sit outside the plot, clear of the title', () => {
  const fixed = new Set(Object.values(DESIGN_COLORS));
  const users = ['m7', 'm8', 'm9', 'max-pool', 'attention-mean'].map(designColor);
  for (const [i, c] of users.entries()) assert.ok(!fixed.has(c), `user design ${i} has a study colour ${c}`);
  assert.equal(new Set(users.slice(0, 3)).size, 3, 'm7, m8, m9 differ');
  assert.notEqual(designColor('m7'), designColor('use-lite'));
  // every design and reference row its own colour, far apart (CIELAB ΔE): m5/minilm and m1/use-lite were one hue
  const rows = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'base-mean', 'base-eos', 'use-lite', 'minilm'];
  const fixedColors = rows.map(designColor);
  assert.equal(new Set(fixedColors).size, rows.length, `distinct: ${fixedColors.join(' ')}`);
  for (let i = 0; i < rows.length; i++) for (let j = i + 1; j < rows.length; j++) {
    assert.ok(deltaE(fixedColors[i]!, fixedColors[j]!) >= 15, `${rows[i]} ${fixedColors[i]} and ${rows[j]} ${fixedColors[j]}: ΔE ${deltaE(fixedColors[i]!, fixedColors[j]!).toFixed(1)}`);
  }
  const all = [...fixedColors, ...USER_COLORS];
  for (let i = rows.length; i < all.length; i++) for (let j = 0; j < i; j++) {
    assert.ok(deltaE(all[i]!, all[j]!) >= 22, `user colour ${all[i]} and ${all[j]}: ΔE ${deltaE(all[i]!, all[j]!).toFixed(1)}`);
  }
  assert.equal(designColor('m3'), DESIGN_COLORS.m3);
  setDesignColor('m7', '#000000');
  assert.equal(designColor('m7'), '#000000');
  for (const fig of [loss, categoryScoresFigure({ m1: { STS: { mean: 0.5, lo: 0.5, hi: 0.5 } } }), layerSpearmanFigure([{ name: 'a', layers: [0, 1], spearman: [0.1, 0.2] }])]) {
    const legend = fig.layout.legend as { x: number; xanchor: string; y: number; yanchor: string };
    // right of the plotting area (x ≥ 1, anchored at its left edge) and below its top: never over the title
    assert.ok(legend.x >= 1 && legend.xanchor === 'left' && legend.y <= 1 && legend.yanchor === 'top', JSON.stringify(legend));
  }
});

test('small things: no -0.00, no exponent in a table, integer loss steps, no error caps with one seed', () => {
  assert.equal(signedFixed(-0.001, 2), '±0.00');
  assert.equal(signedFixed(0.004, 2), '±0.00');
  assert.equal(signedFixed(0.5, 2), '+0.50');
  assert.equal(signedFixed(-0.3, 2), '−0.30');
  const zeroHeat = differenceHeatmapFigure({ rows: ['m2'], cols: ['STS'], values: [[-0.0004]] });
  assert.deepEqual((zeroHeat.data[0] as unknown as { text: string[] }).text, ['±0.00']);
  assert.equal(formatCell(-9.392e-5, 3), '0.000');
  assert.equal(formatCell(0.12345, 3), '0.123');
  assert.equal(formatCell(12, 3), '12');
  assert.equal(formatCell(NaN, 3), 'NaN');
  assert.equal((loss.layout.xaxis as { tickformat: string; dtick?: number }).tickformat, 'd');
  assert.equal((loss.layout.xaxis as { dtick?: number }).dtick, 1, 'three steps: every step a tick');
  const oneSeed = categoryScoresFigure({ m1: { STS: { mean: 0.5, lo: 0.5, hi: 0.5 } } });
  assert.equal((oneSeed.data[0] as unknown as { error_y: { visible: boolean } }).error_y.visible, false);
  const seeds = categoryScoresFigure({ m1: { STS: { mean: 0.5, lo: 0.4, hi: 0.6 } } });
  assert.equal((seeds.data[0] as unknown as { error_y: { visible: boolean } }).error_y.visible, true);
});

test('one formatter per kind of number, shared by the report tables, notebook tables and the heatmap', () => {
  assert.equal(formatScore(0.514), '0.5140');
  assert.equal(formatScore(1), '1.0000');
  assert.equal(formatScore(-0.012, 3), '−0.012');
  assert.equal(formatScore(-0.00001, 3), '0.000', 'never −0.000');
  assert.equal(formatDifference(-0.01), '−0.0100');
  assert.equal(formatDifference(0.01, 2), '+0.01');
  assert.equal(formatSeconds(2.33), '2.3');
  assert.equal(formatP(0.00001), '<0.0001');
  // the report table's numbers are these formatters (4 decimals), the heatmap's the same at 2
  assert.equal(formatNumber(-0.01, true), '−0.0100');
  assert.equal(formatNumber(-0.01, false), '−0.0100');
  const h = differenceHeatmapFigure({ rows: ['m2'], cols: ['STS'], values: [[-0.01]] });
  assert.deepEqual((h.data[0] as unknown as { text: string[] }).text, [formatDifference(-0.01, 2)]);
  // column kinds: by name, else whole numbers are counts, else scores
  assert.equal(columnKind('seconds', [2.33]), 'seconds');
  assert.equal(columnKind('encode s', [1.5]), 'seconds');
  assert.equal(columnKind('Holm p', [0.5]), 'p');
  assert.equal(columnKind('difference', [0.5]), 'difference');
  assert.equal(columnKind('files', [3, 12]), 'count');
  assert.equal(columnKind('m1', [1, 0.514]), 'score');
  // a notebook table: one format per column ("1" among "0.514" is 1.000; seconds one decimal)
  const html = tableHtml(aq.from([{ design: 'm1', score: 1, seconds: 2.33, steps: 2, difference: -0.01 }, { design: 'm2', score: 0.514, seconds: 12, steps: 10, difference: 0.02 }]), { digits: 3 });
  const cells = [...html.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
  assert.deepEqual(cells, ['m1', '1.000', '2.3', '2', '−0.010', 'm2', '0.514', '12.0', '10', '+0.020']);
});

test('a user design\'s row is labelled with its pooling, beside the study\'s descriptive names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-label-'));
  try {
    mkdirSync(join(dir, 'seed-1', 'm9', 'final'), { recursive: true });
    writeFileSync(join(dir, 'seed-1', 'm9', 'final', 'config.json'), JSON.stringify({ design: { name: 'm9', pooling: 'max', attention: 'bidirectional' } }));
    assert.equal(designLabel('m9', dir), 'm9 (max)');
    assert.equal(designLabel('m9'), 'm9', 'unknown without its run folder');
    assert.equal(designLabel('m1', dir), 'Model 1 (EOS-last, causal)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** CIE76 colour difference of two #rrggbb colours (sRGB, D65). */
function deltaE(a: string, b: string): number {
  const lab = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)) as [number, number, number];
    const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
    const x = f((0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047), y = f(0.2126 * r + 0.7152 * g + 0.0722 * bl), z = f((0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883);
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  };
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
}
