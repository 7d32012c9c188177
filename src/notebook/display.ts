// Rich output in a tslab kernel. tslab's `display` works only inside a running kernel (it throws
// "Not ready" elsewhere); outside one (tests, scripts) the HTML is returned and nothing is shown.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface TslabDisplay { html(s: string): void; markdown(s: string): void; text(s: string): void }

let tslabDisplay: TslabDisplay | null | undefined;

/** tslab's display when this process is a tslab kernel, else null. */
export function kernelDisplay(): TslabDisplay | null {
  if (tslabDisplay === undefined) {
    // The kernel process has tslab's jupyter module loaded with a live display hook; requiring the
    // package from here gets the same module instance (same node_modules).
    try {
      const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
      tslabDisplay = jupyter.lastWriteDisplayData ? (require('tslab') as { display: TslabDisplay }).display : null;
    } catch {
      tslabDisplay = null;
    }
    // Not cached as null: a kernel may become ready after the first call.
    if (tslabDisplay === null) { tslabDisplay = undefined; return null; }
  }
  return tslabDisplay;
}

// These return nothing on purpose: tslab prints a cell's last value, and a returned 5 MB string
// would land in the notebook a second time.

/** Show HTML in the notebook (no-op outside a kernel). */
export function displayHtml(html: string): void {
  kernelDisplay()?.html(html);
}

/** Show Markdown in the notebook (no-op outside a kernel). */
export function displayMarkdown(md: string): void {
  kernelDisplay()?.markdown(md);
}
