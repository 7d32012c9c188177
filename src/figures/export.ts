// Figure export to PNG, SVG and PDF: Plotly's own renderer (`Plotly.toImage`) in headless Chromium,
// driven by playwright-core; PDF is Chromium printing Plotly's SVG, so it stays vector. One browser per call (starting Chromium costs seconds, a figure tens
// of milliseconds), a fresh throw-away profile, plotly.js from node_modules (never a CDN), and every
// file written atomically so an interrupted export never leaves half an image.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeFileAtomic } from '../io/atomic.ts';
import type { Figure } from './figure.ts';

const require = createRequire(import.meta.url);

export type ImageFormat = 'png' | 'svg' | 'pdf';

/** CSS pixels per inch: a figure's width/height are CSS pixels, so a PNG at `dpi` has scale dpi / 96. */
export const CSS_PX_PER_INCH = 96;

/**
 * The study's one export: every notebook (00–07) and `reproduce` write each figure as PNG at 300 dpi
 * (the resolution in the file), SVG and PDF (vector, one page of the figure's size), so a figure from
 * any stage can go into the paper as it is.
 */
export const EXPORT_FORMATS: readonly ImageFormat[] = ['png', 'svg', 'pdf'];
export const EXPORT_DPI = 300;

export interface ExportOptions {
  /** default EXPORT_FORMATS (PNG, SVG and PDF) */
  formats?: ImageFormat[];
  /** pixels; default: the figure's layout.width/height, else 800 × 480 */
  width?: number;
  height?: number;
  /** PNG resolution in dots per inch of the figure's size in CSS pixels (written into the PNG's pHYs
   *  chunk); default EXPORT_DPI (300). Overrides `scale`. */
  dpi?: number;
  /** PNG pixel density (2 = 192 dpi); default EXPORT_DPI / 96 */
  scale?: number;
  /** Chromium binary; default env PA_CHROMIUM, else /usr/bin/chromium (Debian's `chromium`) */
  executablePath?: string;
}

/** Flags from toolchain.md: headless, no sandbox (root in containers), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function chromiumPath(explicit?: string): string {
  const path = explicit ?? process.env.PA_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`figure export needs Chromium, not found at ${path}: install Debian's package ` +
      `(apt-get install -y --no-install-recommends chromium) or set PA_CHROMIUM to a Chromium binary`);
  }
  return path;
}

/** plotly.min.js from node_modules: the one copy used for export and for inline notebook figures. */
export function plotlyJsPath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

// Runs in the page. A string, not a function, so the TypeScript transpiler's helpers can never be
// injected into code that must run in the browser.
const TO_IMAGE = `async ({ figure, format, width, height, scale }) => {
  const url = await window.Plotly.toImage({ data: figure.data, layout: figure.layout }, { format, width, height, scale });
  return url;
}`;

/** `png` with a pHYs chunk (pixels per metre, both axes) right after IHDR, so viewers and journals
 *  read the intended print size. */
export function withPngDpi(png: Buffer, dpi: number): Buffer {
  const IHDR_END = 8 + 25; // signature, then IHDR: length 4 + type 4 + data 13 + crc 4
  if (png.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('not a PNG (no IHDR chunk first)');
  const ppm = Math.round(dpi / 0.0254);
  const chunk = Buffer.alloc(4 + 4 + 9 + 4);
  chunk.writeUInt32BE(9, 0);
  chunk.write('pHYs', 4, 'latin1');
  chunk.writeUInt32BE(ppm, 8);
  chunk.writeUInt32BE(ppm, 12);
  chunk.writeUInt8(1, 16); // unit: metre
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 17)), 17);
  return Buffer.concat([png.subarray(0, IHDR_END), chunk, png.subarray(IHDR_END)]);
}

function decodeDataUrl(url: string, format: 'png' | 'svg', name: string): Buffer {
  const comma = url.indexOf(',');
  const head = url.slice(0, comma);
  if (comma < 0 || !head.startsWith(`data:image/${format === 'svg' ? 'svg+xml' : 'png'}`)) {
    throw new Error(`figure ${name}: Plotly returned an unexpected ${format} data URL (${head.slice(0, 40)})`);
  }
  const body = url.slice(comma + 1);
  return head.endsWith(';base64') ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
}

/**
 * Render each figure to `<outDir>/<name>.png`, `.svg` and `.pdf` at 300 dpi (EXPORT_FORMATS,
 * EXPORT_DPI: the one export every notebook uses; `formats`/`dpi` only for tests and special cases).
 * Returns the written paths, in figure order then format order. Names must be plain file names.
 */
export async function exportFigures(figs: { name: string; figure: Figure }[], outDir: string, opts: ExportOptions = {}): Promise<string[]> {
  const formats = opts.formats ?? [...EXPORT_FORMATS];
  const seen = new Set<string>();
  for (const { name } of figs) {
    if (!SAFE_NAME.test(name)) throw new Error(`figure name '${name}' is not a plain file name (letters, digits, . _ -)`);
    if (seen.has(name)) throw new Error(`figure name '${name}' is used twice`);
    seen.add(name);
  }
  if (figs.length === 0) return [];
  const executablePath = chromiumPath(opts.executablePath);
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'pa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS });
  const written: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const dpi = opts.dpi ?? (opts.scale !== undefined ? CSS_PX_PER_INCH * opts.scale : EXPORT_DPI);
    if (!(dpi > 0 && dpi <= 2400)) throw new Error(`dpi must be in (0, 2400], got ${dpi}`);
    // A file:// page with a <script src>: Chromium streams and compiles the 4.8 MB library off the
    // main thread, 35–50% faster than injecting it as inline text.
    const html = join(profile, 'export.html');
    writeFileSync(html, `<!doctype html><html><head><meta charset="utf-8"><script src="${pathToFileURL(plotlyJsPath()).href}"></script></head><body></body></html>`);
    await page.goto(pathToFileURL(html).href);
    if (await page.evaluate('typeof window.Plotly') !== 'object') throw new Error(`plotly.js did not load from ${plotlyJsPath()}`);
    for (const { name, figure } of figs) {
      const width = opts.width ?? figure.layout.width ?? 800;
      const height = opts.height ?? figure.layout.height ?? 480;
      for (const format of formats) {
        const plotlyFormat = format === 'png' ? 'png' : 'svg';
        const args = { figure, format: plotlyFormat, width, height, scale: format === 'png' ? dpi / CSS_PX_PER_INCH : 1 };
        let url: string;
        try {
          url = await page.evaluate(`(${TO_IMAGE})(${JSON.stringify(args)})`) as string;
        } catch (err) {
          throw new Error(`figure ${name}: Plotly.toImage (${format}) failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
        const image = decodeDataUrl(url, plotlyFormat, name);
        const bytes = format === 'png' ? withPngDpi(image, dpi) : format === 'svg' ? image : await printPdf(context, image, width, height);
        const file = join(dir, `${name}.${format}`);
        writeFileAtomic(file, bytes);
        written.push(file);
      }
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return written;
}

/** One page of exactly the figure's size, the SVG inline (so Chromium prints vectors, not a bitmap). */
async function printPdf(context: import('playwright-core').BrowserContext, svg: Buffer, width: number, height: number): Promise<Buffer> {
  const page = await context.newPage();
  try {
    await page.setContent(`<!doctype html><html><head><style>@page{margin:0}html,body{margin:0;padding:0}svg{display:block}</style></head><body>${svg.toString('utf8')}</body></html>`);
    return await page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: '1' });
  } finally {
    await page.close();
  }
}
