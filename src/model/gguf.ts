// GGUF (ggml-org/ggml docs/gguf.md), versions 2 and 3, little-endian:
//   magic "GGUF", u32 version, u64 tensor_count, u64 metadata_kv_count,
//   metadata: (string key, u32 value_type, value)*   — strings are u64 length + UTF-8 bytes,
//             arrays are u32 element type + u64 count + elements (arrays may nest),
//   tensor infos: (string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset)*,
//   padding to `general.alignment` (default 32), then the tensor data; offsets are relative to it.
//
// Every number in the file is untrusted: each length, count and offset is checked against the bytes
// that remain before anything is allocated or read, so a crafted or truncated file ends in an Error
// naming the file (and the key or tensor), never in a RangeError or an allocation larger than the file.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readAt } from '../io/read-at.ts';
import { GGML_TYPES, convertibleTypeNames, dequantize, type GgmlType } from './gguf-quant.ts';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS */
export const GGUF_MAX_DIMS = 4;
/** Arrays nested deeper than this are refused (real files nest at most once). */
const MAX_ARRAY_DEPTH = 4;

export enum GgufValueType {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
}

/** Bytes of one scalar of each fixed-size type; STRING's minimum is its 8-byte length. */
const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 8: 8, 10: 8, 11: 8, 12: 8 };

export type GgufArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array
  | BigUint64Array | BigInt64Array | Float64Array | boolean[] | string[] | GgufArrayValue[];

export interface GgufArrayValue { type: GgufValueType.ARRAY; elementType: GgufValueType; value: GgufArray }

export type GgufValue =
  | { type: Exclude<GgufValueType, GgufValueType.ARRAY | GgufValueType.STRING | GgufValueType.BOOL | GgufValueType.UINT64 | GgufValueType.INT64>; value: number }
  | { type: GgufValueType.UINT64 | GgufValueType.INT64; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | GgufArrayValue;

export interface GgufTensorInfo {
  name: string;
  /** ggml's ne: ne[0] is the innermost (contiguous) dimension */
  ne: number[];
  /** row-major shape, outermost first (ne reversed), as PyTorch and safetensors write it */
  shape: number[];
  type: GgmlType;
  typeId: number;
  /** bytes from the start of the data section */
  offset: number;
  byteLength: number;
  count: number;
}

export interface GgufHeader {
  file: string;
  version: number;
  metadata: Map<string, GgufValue>;
  /** in file order */
  tensors: Map<string, GgufTensorInfo>;
  alignment: number;
  /** absolute file offset of the data section */
  dataStart: number;
  fileSize: number;
}

/** Random access to the bytes of a file (or of a buffer, for tests). */
export interface ByteSource {
  readonly size: number;
  read(position: number, length: number): Uint8Array;
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (p, n) => bytes.subarray(p, p + n) };
}

// ---------------------------------------------------------------------------------------------
// Header

/** Parse a whole GGUF file held in memory (tests, fuzzing). */
export function parseGgufHeader(bytes: Uint8Array, file: string): GgufHeader {
  return parseHeader(bufferSource(bytes), file);
}

/** Reads only the header (metadata and tensor index) of a GGUF file. */
export function readGgufHeader(path: string): GgufHeader {
  return withGguf(path, (src) => parseHeader(src, path));
}

/** A cursor over the source, refilled in chunks; every read is checked against the file size. */
class Cursor {
  pos = 0;
  private buf = new Uint8Array(0);
  private bufStart = 0;
  private view = new DataView(this.buf.buffer);

  constructor(private readonly src: ByteSource, private readonly file: string) {}

  /** Bytes [pos, pos + n) are available, or an error saying what was being read. */
  need(n: number, what: () => string): void {
    if (n > this.src.size - this.pos) {
      throw new Error(`${this.file}: truncated: ${what()} needs ${n} bytes at byte ${this.pos}, but the file has ${this.src.size} bytes`);
    }
    if (this.pos - this.bufStart + n <= this.buf.length && this.pos >= this.bufStart) return;
    const len = Math.min(Math.max(n, 1 << 20), this.src.size - this.pos);
    const chunk = this.src.read(this.pos, len);
    this.buf = chunk;
    this.bufStart = this.pos;
    this.view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  private at(n: number, what: () => string): number {
    this.need(n, what);
    const o = this.pos - this.bufStart;
    this.pos += n;
    return o;
  }

  // the offset first: `this.view` may be replaced by the refill inside at()
  private num<T>(get: (o: number) => T, n: number, what: () => string): T {
    const o = this.at(n, what);
    return get(o);
  }

  u8(what: () => string): number { return this.num((o) => this.view.getUint8(o), 1, what); }
  i8(what: () => string): number { return this.num((o) => this.view.getInt8(o), 1, what); }
  u16(what: () => string): number { return this.num((o) => this.view.getUint16(o, true), 2, what); }
  i16(what: () => string): number { return this.num((o) => this.view.getInt16(o, true), 2, what); }
  u32(what: () => string): number { return this.num((o) => this.view.getUint32(o, true), 4, what); }
  i32(what: () => string): number { return this.num((o) => this.view.getInt32(o, true), 4, what); }
  f32(what: () => string): number { return this.num((o) => this.view.getFloat32(o, true), 4, what); }
  f64(what: () => string): number { return this.num((o) => this.view.getFloat64(o, true), 8, what); }
  u64(what: () => string): bigint { return this.num((o) => this.view.getBigUint64(o, true), 8, what); }
  i64(what: () => string): bigint { return this.num((o) => this.view.getBigInt64(o, true), 8, what); }

  /** A u64 that must be a count or offset: at most `max` (checked before any allocation). */
  size(what: () => string, max: number, unit: string): number {
    const v = this.u64(what);
    if (v > BigInt(max)) throw new Error(`${this.file}: ${what()} is ${v}, more than the ${max} ${unit} the rest of the file can hold`);
    return Number(v);
  }

  bytes(n: number, what: () => string): Uint8Array {
    const o = this.at(n, what);
    return this.buf.subarray(o, o + n);
  }

  remaining(): number { return this.src.size - this.pos; }

  string(what: () => string): string {
    const n = this.size(() => `length of ${what()}`, this.remaining() - 8, 'bytes');
    const raw = this.bytes(n, what);
    try {
      return UTF8.decode(raw);
    } catch {
      throw new Error(`${this.file}: ${what()} is not valid UTF-8`);
    }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseHeader(src: ByteSource, file: string): GgufHeader {
  const c = new Cursor(src, file);
  if (src.size < 4) throw new Error(`${file}: ${src.size} bytes is too short for a GGUF file (no "GGUF" magic)`);
  const magic = c.u32(() => 'magic');
  if (magic !== GGUF_MAGIC) {
    const shown = [...src.read(0, 4)].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    throw new Error(`${file}: not a GGUF file (magic "${shown}", expected "GGUF")`);
  }
  const version = c.u32(() => 'version');
  if (version === 1) throw new Error(`${file}: GGUF version 1 (32-bit counts) is not supported; convert the file with a current llama.cpp`);
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24 | (version & 0xff00) << 8 | (version >>> 8) & 0xff00 | version >>> 24) >>> 0;
    if (swapped === 2 || swapped === 3) throw new Error(`${file}: big-endian GGUF (version ${swapped}) is not supported`);
    throw new Error(`${file}: unsupported GGUF version ${version} (supported: 2, 3)`);
  }
  // every tensor info takes at least 8 (name length) + 4 + 4 + 8 bytes; every kv at least 8 + 4 + 1
  const tensorCount = c.size(() => 'tensor_count', Math.floor(c.remaining() / 24), 'tensors');
  const kvCount = c.size(() => 'metadata_kv_count', Math.floor(c.remaining() / 13), 'entries');

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string(() => `metadata key #${i}`);
    if (metadata.has(key)) throw new Error(`${file}: metadata key ${JSON.stringify(key)} appears twice`);
    const type = c.u32(() => `type of metadata ${JSON.stringify(key)}`);
    metadata.set(key, readValue(c, type, () => `metadata ${JSON.stringify(key)}`, file, 0) as GgufValue);
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = metadata.get('general.alignment');
  if (al !== undefined) {
    if (al.type !== GgufValueType.UINT32) throw new Error(`${file}: general.alignment must be a u32, got type ${GgufValueType[al.type]}`);
    if (al.value === 0 || (al.value & (al.value - 1)) !== 0) throw new Error(`${file}: general.alignment ${al.value} is not a power of two`);
    alignment = al.value;
  }

  const infos: GgufTensorInfo[] = [];
  const tensors = new Map<string, GgufTensorInfo>();
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string(() => `name of tensor #${i}`);
    const where = `tensor ${JSON.stringify(name)}`;
    if (tensors.has(name)) throw new Error(`${file}: ${where} appears twice in the tensor index`);
    const nDims = c.u32(() => `n_dims of ${where}`);
    if (nDims < 1 || nDims > GGUF_MAX_DIMS) throw new Error(`${file}: ${where} has ${nDims} dimensions (1..${GGUF_MAX_DIMS} allowed)`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) {
      const v = c.u64(() => `dimension ${d} of ${where}`);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${file}: ${where} dimension ${d} is ${v}, too large`);
      ne.push(Number(v));
    }
    const typeId = c.u32(() => `type of ${where}`);
    const type = GGML_TYPES.get(typeId);
    if (!type) throw new Error(`${file}: ${where} has unknown GGML tensor type ${typeId}`);
    const offset = c.u64(() => `offset of ${where}`);
    if (offset > BigInt(src.size)) throw new Error(`${file}: ${where} offset ${offset} is past the end of the ${src.size}-byte file`);
    if (ne[0]! % type.blockSize !== 0) {
      throw new Error(`${file}: ${where} has ${ne[0]} values per row, not a multiple of the ${type.name} block size ${type.blockSize}`);
    }
    // element count with an early exit, so [2^40, 2^40] cannot overflow past the file size
    let count = 1;
    for (const d of ne) {
      count *= d;
      if (count > src.size * type.blockSize) throw new Error(`${file}: ${where} has shape [${ne}] (ggml order), more values than the file can hold`);
    }
    const info: GgufTensorInfo = {
      name, ne, shape: [...ne].reverse(), type, typeId, offset: Number(offset),
      byteLength: (count / type.blockSize) * type.typeSize, count,
    };
    if (info.offset % alignment !== 0) throw new Error(`${file}: ${where} offset ${info.offset} is not a multiple of the alignment ${alignment}`);
    tensors.set(name, info);
    infos.push(info);
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const dataBytes = src.size - dataStart;
  // each tensor must lie inside the data section and no two may overlap
  const byOffset = [...infos].sort((a, b) => a.offset - b.offset);
  let end = 0;
  let previous = '';
  for (const t of byOffset) {
    if (t.offset + t.byteLength > dataBytes) {
      throw new Error(`${file}: tensor ${JSON.stringify(t.name)} (${t.type.name} [${t.ne}], ${t.byteLength} bytes at data offset ${t.offset}) runs past the end of the file (data section holds ${Math.max(0, dataBytes)} bytes; truncated?)`);
    }
    if (t.offset < end) throw new Error(`${file}: tensors ${JSON.stringify(previous)} and ${JSON.stringify(t.name)} overlap (data offset ${t.offset} < ${end})`);
    end = t.offset + t.byteLength;
    previous = t.name;
  }
  return { file, version, metadata, tensors, alignment, dataStart, fileSize: src.size };
}

function readValue(c: Cursor, type: number, what: () => string, file: string, depth: number): GgufValue {
  switch (type) {
    case GgufValueType.UINT8: return { type, value: c.u8(what) };
    case GgufValueType.INT8: return { type, value: c.i8(what) };
    case GgufValueType.UINT16: return { type, value: c.u16(what) };
    case GgufValueType.INT16: return { type, value: c.i16(what) };
    case GgufValueType.UINT32: return { type, value: c.u32(what) };
    case GgufValueType.INT32: return { type, value: c.i32(what) };
    case GgufValueType.FLOAT32: return { type, value: c.f32(what) };
    case GgufValueType.FLOAT64: return { type, value: c.f64(what) };
    case GgufValueType.UINT64: return { type, value: c.u64(what) };
    case GgufValueType.INT64: return { type, value: c.i64(what) };
    case GgufValueType.BOOL: {
      const b = c.u8(what);
      if (b > 1) throw new Error(`${file}: ${what()} is a bool with byte value ${b} (0 or 1 expected)`);
      return { type, value: b === 1 };
    }
    case GgufValueType.STRING: return { type, value: c.string(what) };
    case GgufValueType.ARRAY: {
      if (depth >= MAX_ARRAY_DEPTH) throw new Error(`${file}: ${what()} nests arrays more than ${MAX_ARRAY_DEPTH} deep`);
      const elementType = c.u32(() => `element type of ${what()}`);
      const min = elementType === GgufValueType.ARRAY ? 12 : SCALAR_BYTES[elementType];
      if (min === undefined) throw new Error(`${file}: ${what()} is an array of unknown value type ${elementType}`);
      const n = c.size(() => `length of ${what()}`, Math.floor(c.remaining() / min), 'elements');
      return { type, elementType, value: readArray(c, elementType, n, what, file, depth) };
    }
    default:
      throw new Error(`${file}: ${what()} has unknown value type ${type}`);
  }
}

function readArray(c: Cursor, t: GgufValueType, n: number, what: () => string, file: string, depth: number): GgufArray {
  const fixed: Partial<Record<GgufValueType, new (n: number) => GgufArray & ArrayLike<unknown>>> = {
    [GgufValueType.UINT8]: Uint8Array, [GgufValueType.INT8]: Int8Array, [GgufValueType.UINT16]: Uint16Array,
    [GgufValueType.INT16]: Int16Array, [GgufValueType.UINT32]: Uint32Array, [GgufValueType.INT32]: Int32Array,
    [GgufValueType.FLOAT32]: Float32Array, [GgufValueType.UINT64]: BigUint64Array, [GgufValueType.INT64]: BigInt64Array,
    [GgufValueType.FLOAT64]: Float64Array,
  };
  const Ctor = fixed[t];
  if (Ctor) {
    const width = SCALAR_BYTES[t]!;
    const raw = c.bytes(n * width, what);
    const out = new Ctor(n) as Exclude<GgufArray, boolean[] | string[] | GgufArrayValue[]>;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const get = {
      [GgufValueType.UINT8]: (i: number) => view.getUint8(i), [GgufValueType.INT8]: (i: number) => view.getInt8(i),
      [GgufValueType.UINT16]: (i: number) => view.getUint16(i * 2, true), [GgufValueType.INT16]: (i: number) => view.getInt16(i * 2, true),
      [GgufValueType.UINT32]: (i: number) => view.getUint32(i * 4, true), [GgufValueType.INT32]: (i: number) => view.getInt32(i * 4, true),
      [GgufValueType.FLOAT32]: (i: number) => view.getFloat32(i * 4, true), [GgufValueType.FLOAT64]: (i: number) => view.getFloat64(i * 8, true),
      [GgufValueType.UINT64]: (i: number) => view.getBigUint64(i * 8, true), [GgufValueType.INT64]: (i: number) => view.getBigInt64(i * 8, true),
    }[t as number]!;
    for (let i = 0; i < n; i++) (out as unknown as unknown[])[i] = get(i);
    return out;
  }
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const item = readValue(c, t, () => `element ${i} of ${what()}`, file, depth + 1);
    out[i] = t === GgufValueType.ARRAY ? item : item.value;
  }
  return out as GgufArray;
}

// ---------------------------------------------------------------------------------------------
// Tensors

/** An open GGUF file: the header, and tensors read (and converted to float32) one at a time. */
export class GgufFile {
  private constructor(readonly header: GgufHeader, private readonly src: ByteSource, private readonly close_: () => void) {}

  static open(path: string): GgufFile {
    const fd = openGguf(path);
    try {
      const src = fdSource(fd, path);
      return new GgufFile(parseHeader(src, path), src, () => closeSync(fd));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  static fromBytes(bytes: Uint8Array, file: string): GgufFile {
    const src = bufferSource(bytes);
    return new GgufFile(parseHeader(src, file), src, () => {});
  }

  get file(): string { return this.header.file; }

  info(name: string): GgufTensorInfo {
    const t = this.header.tensors.get(name);
    if (!t) throw new Error(`${this.file}: no tensor ${JSON.stringify(name)}`);
    return t;
  }

  /** The tensor's values as float32, row-major in `info(name).shape`. */
  tensor(name: string): Float32Array {
    const t = this.info(name);
    if (!t.type.dequantize) {
      throw new Error(`${this.file}: tensor ${JSON.stringify(name)} has type ${t.type.name}, which this reader does not convert (supported: ${convertibleTypeNames().join(', ')})`);
    }
    const raw = this.src.read(this.header.dataStart + t.offset, t.byteLength);
    try {
      return dequantize(t.type, raw, t.count);
    } catch (err) {
      throw new Error(`${this.file}: tensor ${JSON.stringify(name)}: ${message(err)}`);
    }
  }

  /** The raw stored bytes of a tensor (for checks against other readers). */
  rawBytes(name: string): Uint8Array {
    const t = this.info(name);
    return this.src.read(this.header.dataStart + t.offset, t.byteLength).slice();
  }

  close(): void { this.close_(); }
}

/** A read-only descriptor of `path`; an error that names the file when it cannot be opened. */
function openGguf(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw new Error(`${path}: cannot open GGUF file: ${message(err)}`);
  }
}

function withGguf<T>(path: string, body: (src: ByteSource) => T): T {
  const fd = openGguf(path);
  try {
    return body(fdSource(fd, path));
  } finally {
    closeSync(fd);
  }
}

function fdSource(fd: number, path: string): ByteSource {
  let size: number;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (err) {
    throw new Error(`${path}: cannot read GGUF file: ${message(err)}`);
  }
  return {
    size,
    read: (position: number, length: number): Uint8Array => readAt(fd, position, length, path),
  };
}

// ---------------------------------------------------------------------------------------------
// Typed metadata access: a wrong type or a missing key is an error naming the file and the key.

const INTEGER_TYPES = new Set([GgufValueType.UINT8, GgufValueType.INT8, GgufValueType.UINT16, GgufValueType.INT16,
  GgufValueType.UINT32, GgufValueType.INT32, GgufValueType.UINT64, GgufValueType.INT64]);

export function metaValue(h: GgufHeader, key: string): GgufValue | undefined {
  return h.metadata.get(key);
}

function missing(h: GgufHeader, key: string): never {
  throw new Error(`${h.file}: metadata ${JSON.stringify(key)} is missing`);
}

function wrongType(h: GgufHeader, key: string, want: string, v: GgufValue): never {
  throw new Error(`${h.file}: metadata ${JSON.stringify(key)} must be ${want}, got ${GgufValueType[v.type]}`);
}

/** An integer value (any integer type) as a safe JS number. */
export function metaInt(h: GgufHeader, key: string, fallback?: number): number {
  const v = h.metadata.get(key);
  if (v === undefined) return fallback ?? missing(h, key);
  if (!INTEGER_TYPES.has(v.type)) return wrongType(h, key, 'an integer', v);
  const n = typeof v.value === 'bigint' ? v.value : BigInt(v.value as number);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error(`${h.file}: metadata ${JSON.stringify(key)} = ${n} is too large`);
  return Number(n);
}

export function metaFloat(h: GgufHeader, key: string, fallback?: number): number {
  const v = h.metadata.get(key);
  if (v === undefined) return fallback ?? missing(h, key);
  if (v.type === GgufValueType.FLOAT32 || v.type === GgufValueType.FLOAT64) return v.value as number;
  if (INTEGER_TYPES.has(v.type)) return metaInt(h, key);
  return wrongType(h, key, 'a number', v);
}

export function metaString(h: GgufHeader, key: string, fallback?: string): string {
  const v = h.metadata.get(key);
  if (v === undefined) return fallback ?? missing(h, key);
  if (v.type !== GgufValueType.STRING) return wrongType(h, key, 'a string', v);
  return v.value;
}

export function metaBool(h: GgufHeader, key: string, fallback?: boolean): boolean {
  const v = h.metadata.get(key);
  if (v === undefined) return fallback ?? missing(h, key);
  if (v.type !== GgufValueType.BOOL) return wrongType(h, key, 'a bool', v);
  return v.value;
}

export function metaStringArray(h: GgufHeader, key: string): string[] {
  const v = h.metadata.get(key);
  if (v === undefined) return missing(h, key);
  if (v.type !== GgufValueType.ARRAY || v.elementType !== GgufValueType.STRING) return wrongType(h, key, 'an array of strings', v);
  return v.value as string[];
}

/** An array of integers (any integer element type) as numbers. */
export function metaIntArray(h: GgufHeader, key: string): number[] {
  const v = h.metadata.get(key);
  if (v === undefined) return missing(h, key);
  if (v.type !== GgufValueType.ARRAY || !INTEGER_TYPES.has(v.elementType)) return wrongType(h, key, 'an array of integers', v);
  return Array.from(v.value as ArrayLike<number | bigint>, (x) => Number(x));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
