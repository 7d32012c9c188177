// Input checks shared by the metrics: bad input is an error that names the function and the argument,
// never a silently wrong number.

/** Throw unless `a` and `b` have the same length. */
export function checkSameLength(fn: string, nameA: string, a: ArrayLike<unknown>, nameB: string, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new RangeError(`${fn}: ${nameA} has length ${a.length} but ${nameB} has length ${b.length}`);
  }
}

/** Throw unless every value is a finite number. */
export function checkFinite(fn: string, name: string, x: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new RangeError(`${fn}: ${name}[${i}] is not a finite number (${x[i]})`);
  }
}

/** Throw unless the array has at least `min` elements. */
export function checkMinLength(fn: string, name: string, x: ArrayLike<unknown>, min: number): void {
  if (x.length < min) throw new RangeError(`${fn}: ${name} needs at least ${min} element(s), got ${x.length}`);
}

/** Throw unless `k` is a positive integer. */
export function checkCutoff(fn: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${fn}: cutoff k must be a positive integer, got ${k}`);
}
