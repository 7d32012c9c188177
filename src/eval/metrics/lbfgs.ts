// Limited-memory BFGS for smooth unconstrained minimisation in float64, with the stopping rules of
// scipy's L-BFGS-B (which sklearn's LogisticRegression(solver='lbfgs') calls): stop when the largest
// absolute gradient component is ≤ gtol, or when the relative decrease of f in one iteration is
// ≤ ftol, or after maxIter iterations. The line search enforces the strong Wolfe conditions
// (c1 = 1e-3, c2 = 0.9, as L-BFGS-B's dcsrch).

/** Objective: returns f(x) and writes ∇f(x) into `grad`. */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter?: number;      // scipy/sklearn: 100 for LogisticRegression
  memory?: number;       // correction pairs kept (scipy maxcor = 10)
  gtol?: number;         // sklearn passes tol = 1e-4
  ftol?: number;         // scipy default 2.220446049250313e-09 (factr 1e7 · machine epsilon)
  maxLineSearch?: number; // function evaluations per line search (scipy maxls = 20)
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  grad: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  message: string;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function infNorm(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

interface Trial { alpha: number; f: number; dg: number; x: Float64Array; g: Float64Array }

/** Minimiser of the cubic interpolating (a, fa, da) and (b, fb, db), safeguarded into the inner 80% of [a, b]. */
function cubicStep(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - 3 * (fa - fb) / (a - b);
  const disc = d1 * d1 - da * db;
  let t: number;
  if (disc >= 0 && Number.isFinite(disc)) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
  } else t = (a + b) / 2;
  const lo = Math.min(a, b), hi = Math.max(a, b), w = hi - lo;
  if (!Number.isFinite(t) || t < lo + 0.1 * w || t > hi - 0.1 * w) t = (a + b) / 2;
  return t;
}

/** Strong-Wolfe line search along d from x (Nocedal & Wright, Algorithms 3.5 and 3.6). */
function lineSearch(
  fg: ObjectiveWithGradient, x: Float64Array, f0: number, g0: Float64Array, d: Float64Array,
  alpha0: number, maxEval: number, counter: { n: number },
): Trial | null {
  const c1 = 1e-3, c2 = 0.9;
  const dg0 = dot(g0, d);
  const evalAt = (alpha: number): Trial => {
    const xt = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) xt[i] = x[i]! + alpha * d[i]!;
    const gt = new Float64Array(x.length);
    const f = fg(xt, gt);
    counter.n++;
    return { alpha, f, dg: dot(gt, d), x: xt, g: gt };
  };
  const armijo = (t: Trial) => t.f <= f0 + c1 * t.alpha * dg0;
  const curvature = (t: Trial) => Math.abs(t.dg) <= -c2 * dg0;
  let best: Trial | null = null; // lowest f meeting sufficient decrease, a fallback if evaluations run out
  const note = (t: Trial) => { if (Number.isFinite(t.f) && armijo(t) && (!best || t.f < best.f)) best = t; };

  const zoom = (lo: Trial, hi: Trial, used: number): Trial | null => {
    for (let e = used; e < maxEval; e++) {
      const t = evalAt(cubicStep(lo.alpha, lo.f, lo.dg, hi.alpha, hi.f, hi.dg));
      note(t);
      if (!Number.isFinite(t.f) || !armijo(t) || t.f >= lo.f) hi = t;
      else {
        if (curvature(t)) return t;
        if (t.dg * (hi.alpha - lo.alpha) >= 0) hi = lo;
        lo = t;
      }
      if (Math.abs(hi.alpha - lo.alpha) < 1e-16 * Math.max(1, lo.alpha)) break;
    }
    return best;
  };

  let prev: Trial = { alpha: 0, f: f0, dg: dg0, x, g: g0 };
  let alpha = alpha0;
  for (let e = 0; e < maxEval; e++) {
    const t = evalAt(alpha);
    note(t);
    if (!Number.isFinite(t.f) || !armijo(t) || (e > 0 && t.f >= prev.f)) return zoom(prev, t, e + 1);
    if (curvature(t)) return t;
    if (t.dg >= 0) return zoom(t, prev, e + 1);
    prev = t;
    alpha *= 2; // extrapolate until the minimum along d is bracketed
  }
  return best;
}

export function lbfgs(fg: ObjectiveWithGradient, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 15000;
  const m = options.memory ?? 10;
  const gtol = options.gtol ?? 1e-5;
  const ftol = options.ftol ?? 2.220446049250313e-9;
  const maxLineSearch = options.maxLineSearch ?? 20;
  const n = x0.length;
  let x: Float64Array = Float64Array.from(x0);
  let g: Float64Array = new Float64Array(n);
  const counter = { n: 1 };
  let f = fg(x, g);
  if (!Number.isFinite(f)) throw new RangeError(`lbfgs: objective is not finite at the starting point (${f})`);
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const result = (iterations: number, converged: boolean, message: string): LbfgsResult =>
    ({ x, f, grad: g, iterations, evaluations: counter.n, converged, message });
  if (infNorm(g) <= gtol) return result(0, true, 'gradient norm below gtol at the start');

  let iter = 0;
  while (iter < maxIter) {
    // two-loop recursion: d = −H g, with H0 = (s'y / y'y) I
    const d = Float64Array.from(g, (v) => -v);
    const alphas = new Array<number>(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      alphas[i] = rho[i]! * dot(S[i]!, d);
      const yi = Y[i]!, a = alphas[i]!;
      for (let j = 0; j < n; j++) d[j] = d[j]! - a * yi[j]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let j = 0; j < n; j++) d[j] = d[j]! * gamma;
    }
    for (let i = 0; i < S.length; i++) {
      const b = rho[i]! * dot(Y[i]!, d), si = S[i]!, c = alphas[i]! - b;
      for (let j = 0; j < n; j++) d[j] = d[j]! + c * si[j]!;
    }
    // L-BFGS-B takes a first step of length 1 along the steepest-descent direction
    const alpha0 = S.length === 0 ? Math.min(1, 1 / Math.sqrt(dot(d, d))) : 1;
    const t = dot(d, g) < 0 ? lineSearch(fg, x, f, g, d, alpha0, maxLineSearch, counter) : null;
    if (!t) {
      if (S.length === 0) return result(iter, false, 'line search failed along the steepest-descent direction');
      S.length = 0; Y.length = 0; rho.length = 0; // as L-BFGS-B: drop the memory and retry
      continue;
    }
    iter++;
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let j = 0; j < n; j++) { s[j] = t.x[j]! - x[j]!; y[j] = t.g[j]! - g[j]!; }
    const fOld = f;
    x = t.x; g = t.g; f = t.f;
    const sy = dot(s, y);
    if (sy > 2.220446049250313e-16 * dot(y, y)) { // keep H positive definite: skip pairs with poor curvature
      S.push(s); Y.push(y); rho.push(1 / sy);
      if (S.length > m) { S.shift(); Y.shift(); rho.shift(); }
    }
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) return result(iter, true, 'relative reduction of f below ftol');
    if (infNorm(g) <= gtol) return result(iter, true, 'gradient norm below gtol');
  }
  return result(iter, false, `stopped after maxIter = ${maxIter} iterations`);
}
