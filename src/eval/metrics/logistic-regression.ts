// L2-regularised logistic regression as sklearn 1.2's LogisticRegression(solver='lbfgs', C=1.0,
// max_iter=100, tol=1e-4) fits it: minimise Σ_i log-loss_i + ||W||² / (2C), the intercept not
// penalised, with our own L-BFGS, from zeros. Two classes: one weight vector (sklearn's binary
// model, which multi_class='auto' picks). More classes: multinomial softmax over one weight row per
// class (sklearn's over-parameterised form, made unique by the penalty).
import { lbfgs } from './lbfgs.ts';
import type { Label } from './v-measure.ts';

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength (sklearn C). */
  C?: number;
  maxIter?: number;
  /** Gradient tolerance (sklearn tol → scipy gtol). */
  tol?: number;
}

export interface LogisticRegressionModel {
  /** Sorted distinct labels (np.unique order: numbers ascending, strings by code unit). */
  classes: Label[];
  /** Binary: one row, the weights of classes[1]. Multinomial: one row per class. */
  coef: Float64Array[];
  intercept: Float64Array;
  /** Objective Σ log-loss + ||coef||²/(2C) at the solution. */
  objective: number;
  iterations: number;
  converged: boolean;
}

/** Sorted distinct labels; all labels must be numbers or all strings. */
export function sortedClasses(y: readonly Label[]): Label[] {
  const types = new Set(y.map((v) => typeof v));
  if (types.size > 1) throw new TypeError('sortedClasses: labels mix numbers and strings');
  const distinct = [...new Set(y)];
  return typeof distinct[0] === 'number'
    ? (distinct as number[]).sort((a, b) => a - b)
    : (distinct as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function flatten(fn: string, X: readonly ArrayLike<number>[], d?: number): { x: Float64Array; n: number; d: number } {
  const n = X.length;
  if (n === 0) throw new RangeError(`${fn}: no samples`);
  const dim = d ?? X[0]!.length;
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const r = X[i]!;
    if (r.length !== dim) throw new RangeError(`${fn}: sample ${i} has dimension ${r.length}, expected ${dim}`);
    for (let j = 0; j < dim; j++) {
      if (!Number.isFinite(r[j])) throw new RangeError(`${fn}: sample ${i} has a non-finite value at dimension ${j}`);
      x[i * dim + j] = r[j]!;
    }
  }
  return { x, n, d: dim };
}

/** log(1 + e^t) without overflow. */
function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/**
 * The penalised objective and its gradient for parameters w laid out as rows of (d weights, 1 intercept):
 * one row (binary, target t ∈ {0,1}) or K rows (multinomial, target = class index).
 */
export function logisticObjective(
  w: Float64Array, grad: Float64Array, x: Float64Array, target: Int32Array, n: number, d: number, rows: number, C: number,
): number {
  const stride = d + 1;
  grad.fill(0);
  let loss = 0;
  if (rows === 1) {
    for (let i = 0; i < n; i++) {
      let z = w[d]!;
      const o = i * d;
      for (let j = 0; j < d; j++) z += w[j]! * x[o + j]!;
      const t = target[i]!;
      loss += t === 1 ? softplus(-z) : softplus(z);
      const r = 1 / (1 + Math.exp(-z)) - t; // σ(z) − t
      for (let j = 0; j < d; j++) grad[j] += r * x[o + j]!;
      grad[d] += r;
    }
  } else {
    const z = new Float64Array(rows);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let zmax = -Infinity;
      for (let k = 0; k < rows; k++) {
        const wk = k * stride;
        let s = w[wk + d]!;
        for (let j = 0; j < d; j++) s += w[wk + j]! * x[o + j]!;
        z[k] = s;
        if (s > zmax) zmax = s;
      }
      let sum = 0;
      for (let k = 0; k < rows; k++) { z[k] = Math.exp(z[k]! - zmax); sum += z[k]!; }
      const t = target[i]!;
      loss += Math.log(sum) - Math.log(z[t]!); // log-sum-exp minus the true class logit (both shifted by zmax)
      for (let k = 0; k < rows; k++) {
        const r = z[k]! / sum - (k === t ? 1 : 0);
        if (r === 0) continue;
        const wk = k * stride;
        for (let j = 0; j < d; j++) grad[wk + j] += r * x[o + j]!;
        grad[wk + d] += r;
      }
    }
  }
  let penalty = 0;
  for (let k = 0; k < rows; k++) {
    for (let j = 0; j < d; j++) {
      const v = w[k * stride + j]!;
      penalty += v * v;
      grad[k * stride + j] += v / C;
    }
  }
  return loss + penalty / (2 * C);
}

export function fitLogisticRegression(
  X: readonly ArrayLike<number>[], y: readonly Label[], options: LogisticRegressionOptions = {},
): LogisticRegressionModel {
  if (X.length !== y.length) throw new RangeError(`fitLogisticRegression: ${X.length} samples but ${y.length} labels`);
  const C = options.C ?? 1.0;
  if (!(C > 0)) throw new RangeError(`fitLogisticRegression: C must be > 0, got ${C}`);
  const { x, n, d } = flatten('fitLogisticRegression', X);
  const classes = sortedClasses(y);
  if (classes.length < 2) throw new RangeError(`fitLogisticRegression: needs samples of at least 2 classes, got only ${String(classes[0])}`);
  const index = new Map(classes.map((c, i) => [c, i]));
  const target = Int32Array.from(y, (v) => index.get(v)!);
  const rows = classes.length === 2 ? 1 : classes.length;
  const res = lbfgs(
    (w, g) => logisticObjective(w, g, x, target, n, d, rows, C),
    new Float64Array(rows * (d + 1)),
    { maxIter: options.maxIter ?? 100, gtol: options.tol ?? 1e-4 },
  );
  const coef = Array.from({ length: rows }, (_, k) => res.x.slice(k * (d + 1), k * (d + 1) + d));
  const intercept = Float64Array.from({ length: rows }, (_, k) => res.x[k * (d + 1) + d]!);
  return { classes, coef, intercept, objective: res.f, iterations: res.iterations, converged: res.converged };
}

/** Decision values: binary → one score per sample (> 0 means classes[1]); multinomial → one logit per class. */
export function decisionFunction(model: LogisticRegressionModel, X: readonly ArrayLike<number>[]): Float64Array[] {
  const d = model.coef[0]!.length;
  const { x, n } = flatten('decisionFunction', X, d);
  return Array.from({ length: n }, (_, i) => Float64Array.from(model.coef, (w, k) => {
    let s = model.intercept[k]!;
    for (let j = 0; j < d; j++) s += w[j]! * x[i * d + j]!;
    return s;
  }));
}

/** Predicted labels: the class with the largest logit (first on ties, as np.argmax). */
export function predictLogisticRegression(model: LogisticRegressionModel, X: readonly ArrayLike<number>[]): Label[] {
  return decisionFunction(model, X).map((z) => {
    if (z.length === 1) return model.classes[z[0]! > 0 ? 1 : 0]!;
    let best = 0;
    for (let k = 1; k < z.length; k++) if (z[k]! > z[best]!) best = k;
    return model.classes[best]!;
  });
}
