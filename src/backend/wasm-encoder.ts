// A minimal WebAssembly binary encoder: just the sections and opcodes the hand-assembled kernels of
// this project use (./wasm-simd-matmul.ts, ../model/kernels/dropout.ts). A kernel is a list of bytes built
// from these helpers; `wasmModule` wraps functions that import one memory as env.memory.

export type Code = number[];

export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) { out.push(byte); return out; }
    out.push(byte | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const utf8 = (s: string): number[] => vec([...new TextEncoder().encode(s)].map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;

const f32bytes = (x: number) => [...new Uint8Array(Float32Array.of(x).buffer)];
const f64bytes = (x: number) => [...new Uint8Array(Float64Array.of(x).buffer)];

export const op = {
  block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b], br: (l: number) => [0x0c, ...uleb(l)], brIf: (l: number) => [0x0d, ...uleb(l)],
  select: [0x1b],
  get: (i: number) => [0x20, ...uleb(i)], set: (i: number) => [0x21, ...uleb(i)], tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)], add: [0x6a], sub: [0x6b], mul: [0x6c], geU: [0x4f], gtU: [0x4b],
  f32load: (offset: number) => [0x2a, 2, ...uleb(offset)], f32store: (offset: number) => [0x38, 2, ...uleb(offset)],
  f32: (x: number) => [0x43, ...f32bytes(x)], f32add: [0x92], f32mul: [0x94], f32ge: [0x60], f32zero: [0x43, 0, 0, 0, 0],
  f64: (x: number) => [0x44, ...f64bytes(x)], f64add: [0xa0], f64sub: [0xa1], f64mul: [0xa2], f64trunc: [0x9d], f32demote: [0xb6],
  // SIMD: prefix 0xfd, then the opcode as a u32 LEB128; memory alignment hint 2^2 (floats)
  vload: (offset: number) => [0xfd, ...uleb(0x00), 2, ...uleb(offset)], vstore: (offset: number) => [0xfd, ...uleb(0x0b), 2, ...uleb(offset)],
  vzero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)], splat: [0xfd, ...uleb(0x13)], vadd: [0xfd, ...uleb(0xe4)], vmul: [0xfd, ...uleb(0xe6)],
};

/** x + y·z for i32 expressions */
export const addMul = (x: Code, y: Code, z: Code): Code => [...x, ...y, ...z, ...op.mul, ...op.add];

/** for (v = 0; v < limit; v++) { body } — unsigned i32 comparison */
export function forLoop(v: number, limit: Code, body: Code): Code {
  return [...op.i32(0), ...op.set(v), ...op.block, ...op.loop,
    ...op.get(v), ...limit, ...op.geU, ...op.brIf(1),
    ...body,
    ...op.get(v), ...op.i32(1), ...op.add, ...op.set(v), ...op.br(0), ...op.end, ...op.end];
}

export interface WasmFunction {
  name: string;
  params: number[];
  /** local variable types after the parameters, in index order */
  locals: number[];
  /** the body, without the final `end` */
  code: Code;
}

/** A module importing env.memory and exporting `functions` (no results). */
export function wasmModule(functions: WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec([])]);
  const body = (f: WasmFunction) => {
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups.at(-1);
      if (last && last[1] === t) last[0]!++;
      else groups.push([1, t]);
    }
    const bytes = [...vec(groups.map(([count, t]) => [...uleb(count!), t!])), ...f.code, ...op.end];
    return [...uleb(bytes.length), ...bytes];
  };
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...utf8('env'), ...utf8('memory'), 0x02, 0x00, ...uleb(0)]])), // any size
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map(body))),
  ]);
}
