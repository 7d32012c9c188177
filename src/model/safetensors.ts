// safetensors (huggingface/safetensors): an 8-byte little-endian u64 header length N, N bytes of
// UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}`,
// then one little-endian byte buffer; offsets are relative to the buffer start.
//
// Every number in a header is untrusted: it is checked against the file size before anything is
// allocated, so a crafted file ends in an Error naming the file, never in a RangeError from a
// typed-array constructor or an allocation larger than the file. Like HF's reader we require the
// tensors to tile the buffer exactly (no overlap, no gap, no trailing bytes).
import { closeSync, fstatSync, openSync, realpathSync, statSync, existsSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { isAbsolute, join, relative, resolve, sep, win32 } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { readAt } from '../io/read-at.ts';
import { halfBitsToFloatBits } from './float16.ts';

export interface TensorInfo {
  dtype: string;
  shape: number[];
  /** [begin, end) in bytes, relative to the start of the data buffer. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** In file (data offset) order. */
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** N, the JSON header's byte length. */
  headerLength: number;
  /** 8 + N: where the data buffer starts in the file. */
  dataStart: number;
  fileSize: number;
}

export interface Tensor {
  /** The dtype stored in the file; data is always converted to float32. */
  dtype: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContent {
  /** In file (data offset) order. */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export interface TensorInput {
  shape: number[];
  data: Float32Array;
}

/** Headers larger than this are rejected as absurd (HF's own limit is 100 MB too). */
export const MAX_HEADER_BYTES = 100_000_000;

// Element sizes of every dtype the format defines; only the float ones convert to float32.
const DTYPE_BYTES = new Map<string, number>([
  ['BOOL', 1], ['U8', 1], ['I8', 1], ['F8_E5M2', 1], ['F8_E4M3', 1],
  ['I16', 2], ['U16', 2], ['F16', 2], ['BF16', 2],
  ['I32', 4], ['U32', 4], ['F32', 4],
  ['I64', 8], ['U64', 8], ['F64', 8],
]);
const CONVERTIBLE = ['F32', 'F16', 'BF16', 'F64'];
const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'];

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

// ---------------------------------------------------------------------------------------------
// Reading

export function parseSafetensors(bytes: Uint8Array, fileName: string): SafetensorsContent {
  const headerLength = parsePreamble(bytes.subarray(0, 8), bytes.length, fileName);
  const dataStart = 8 + headerLength;
  const { tensors, metadata } = validateHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, fileName);
  requireConvertible(tensors, fileName);
  const out = new Map<string, Tensor>();
  for (const [name, info] of tensors) {
    const raw = bytes.subarray(dataStart + info.dataOffsets[0], dataStart + info.dataOffsets[1]);
    out.set(name, { dtype: info.dtype, shape: info.shape, data: decodeTensor(raw, info, fileName, name) });
  }
  return { tensors: out, metadata };
}

/** Reads only the first 8 + N bytes of the file. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  return withFile(path, (fd, size) => readHeaderFd(fd, size, path));
}

/** Reads the header, then each tensor's byte range; never holds the whole file in one buffer.
 *  `skip` leaves out tensors a model does not use (e.g. BERT's int64 `position_ids` buffer). */
export function readSafetensorsFile(path: string, options: { skip?: (name: string) => boolean } = {}): SafetensorsContent {
  return withFile(path, (fd, size) => {
    const header = readHeaderFd(fd, size, path);
    if (options.skip) for (const name of [...header.tensors.keys()]) if (options.skip(name)) header.tensors.delete(name);
    requireConvertible(header.tensors, path);
    const tensors = new Map<string, Tensor>();
    for (const [name, info] of header.tensors) {
      const [begin, end] = info.dataOffsets;
      const raw = readAt(fd, header.dataStart + begin, end - begin, path);
      tensors.set(name, { dtype: info.dtype, shape: info.shape, data: decodeTensor(raw, info, path, name) });
    }
    return { tensors, metadata: header.metadata };
  });
}

function readHeaderFd(fd: number, size: number, path: string): SafetensorsHeader {
  const headerLength = parsePreamble(readAt(fd, 0, Math.min(8, size), path), size, path);
  const dataStart = 8 + headerLength;
  const { tensors, metadata } = validateHeader(readAt(fd, 8, headerLength, path), size - dataStart, path);
  return { tensors, metadata, headerLength, dataStart, fileSize: size };
}

function withFile<T>(path: string, body: (fd: number, size: number) => T): T {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Error(`${path}: cannot open safetensors file: ${message(err)}`);
  }
  try {
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
    } catch (err) {
      throw new Error(`${path}: cannot read safetensors file: ${message(err)}`);
    }
    return body(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** The 8-byte header length, checked against the file size before anything is allocated. */
function parsePreamble(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || first8.length < 8) {
    throw new Error(`${file}: file is ${fileSize} bytes, shorter than the 8-byte safetensors header length`);
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8)) {
    throw new Error(`${file}: header length ${n} runs past the end of the file (${fileSize} bytes)`);
  }
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(`${file}: header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  return Number(n);
}

function validateHeader(
  headerBytes: Uint8Array,
  bufferLength: number,
  file: string,
): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  // HF rejects headers that do not open with '{' (no leading whitespace or BOM).
  if (headerBytes.length === 0 || headerBytes[0] !== 0x7b) {
    throw new Error(`${file}: header does not start with '{'`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new Error(`${file}: header is not valid UTF-8`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: header is not valid JSON (${message(err)})`);
  }
  if (!isPlainObject(parsed)) throw new Error(`${file}: header is not a JSON object`);
  // JSON.parse keeps the last of duplicate keys silently; a duplicate tensor name is ambiguous.
  const dup = findDuplicateKey(text);
  if (dup !== null) throw new Error(`${file}: header has duplicate key ${JSON.stringify(dup)}`);

  let metadata: Record<string, string> = {};
  const entries: [string, TensorInfo][] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (!isWellFormed(name)) {
      throw new Error(`${file}: header key ${JSON.stringify(name)} is not valid UTF-8 (lone surrogate)`);
    }
    if (name === '__metadata__') metadata = validateMetadata(value, file);
    else entries.push([name, validateEntry(name, value, bufferLength, file)]);
  }

  // The tensors must tile [0, bufferLength) exactly, as HF's reader requires.
  entries.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let covered = 0;
  let previous = '';
  for (const [name, info] of entries) {
    const [begin, end] = info.dataOffsets;
    if (begin < covered) {
      throw new Error(`${file}: tensors ${JSON.stringify(previous)} and ${JSON.stringify(name)} overlap (byte ${begin} < ${covered})`);
    }
    if (begin > covered) {
      throw new Error(`${file}: data bytes ${covered}..${begin} are not covered by any tensor (gap before ${JSON.stringify(name)})`);
    }
    covered = end;
    previous = name;
  }
  if (covered !== bufferLength) {
    throw new Error(`${file}: data buffer has ${bufferLength} bytes but the tensors cover only ${covered} (trailing bytes)`);
  }
  return { tensors: new Map(entries), metadata };
}

function validateMetadata(value: unknown, file: string): Record<string, string> {
  if (!isPlainObject(value)) throw new Error(`${file}: __metadata__ is not a JSON object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`${file}: __metadata__ value for ${JSON.stringify(k)} is not a string`);
    if (!isWellFormed(k) || !isWellFormed(v)) {
      throw new Error(`${file}: __metadata__ entry ${JSON.stringify(k)} is not valid UTF-8 (lone surrogate)`);
    }
    setOwn(out, k, v);
  }
  return out;
}

function validateEntry(name: string, value: unknown, bufferLength: number, file: string): TensorInfo {
  const where = `${file}: tensor ${JSON.stringify(name)}`;
  if (!isPlainObject(value)) throw new Error(`${where}: entry is not a JSON object`);
  for (const field of ENTRY_FIELDS) {
    if (!Object.hasOwn(value, field)) throw new Error(`${where}: missing "${field}"`);
  }
  for (const field of Object.keys(value)) {
    if (!ENTRY_FIELDS.includes(field)) throw new Error(`${where}: unknown field ${JSON.stringify(field)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw new Error(`${where}: dtype is not a string`);
  const itemSize = DTYPE_BYTES.get(dtype);
  if (itemSize === undefined) throw new Error(`${where}: unknown dtype ${JSON.stringify(dtype)}`);

  if (!Array.isArray(shape)) throw new Error(`${where}: shape is not an array`);
  for (const d of shape) {
    if (typeof d !== 'number') throw new Error(`${where}: shape ${JSON.stringify(shape)} has a non-number dimension`);
    if (!Number.isInteger(d)) throw new Error(`${where}: shape ${JSON.stringify(shape)} has a non-integer dimension`);
    if (d < 0) throw new Error(`${where}: shape ${JSON.stringify(shape)} has a negative dimension`);
    if (!Number.isSafeInteger(d)) throw new Error(`${where}: shape ${JSON.stringify(shape)} has a dimension too large`);
  }

  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw new Error(`${where}: data_offsets is not an array of two integers`);
  }
  const [begin, end] = offsets as unknown[];
  if (!isNonNegativeSafeInteger(begin) || !isNonNegativeSafeInteger(end)) {
    throw new Error(`${where}: data_offsets ${JSON.stringify(offsets)} are not non-negative integers`);
  }
  if (end < begin) throw new Error(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > bufferLength) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] run past the end of the ${bufferLength}-byte data buffer`);
  }

  // Product of dims with an early exit once it exceeds the span, so [1e12, 1e12] cannot overflow.
  const span = end - begin;
  let bytes = shape.includes(0) ? 0 : itemSize;
  for (const d of shape) {
    if (bytes > span) break;
    bytes *= d;
  }
  if (bytes !== span) {
    const need = shape.reduce((p: bigint, d: number) => p * BigInt(d), BigInt(itemSize));
    throw new Error(`${where}: shape ${JSON.stringify(shape)} of ${dtype} needs ${need} bytes but data_offsets span ${span}`);
  }
  return { dtype, shape: shape.slice(), dataOffsets: [begin, end] };
}

// Checked for all tensors before any data is read or converted.
function requireConvertible(tensors: Map<string, TensorInfo>, file: string): void {
  for (const [name, info] of tensors) {
    if (!CONVERTIBLE.includes(info.dtype)) {
      throw new Error(
        `${file}: tensor ${JSON.stringify(name)} has dtype ${info.dtype}; only ${CONVERTIBLE.join(', ')} convert to float32`,
      );
    }
  }
}

function decodeTensor(raw: Uint8Array, info: TensorInfo, file: string, name: string): Float32Array {
  const itemSize = DTYPE_BYTES.get(info.dtype) ?? 0;
  const n = raw.length / itemSize;
  switch (info.dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      copyLittleEndian(out, raw, 4);
      return out;
    }
    case 'F64': {
      const wide = new Float64Array(n);
      copyLittleEndian(wide, raw, 8);
      const out = new Float32Array(n);
      out.set(wide); // round to nearest float32, as numpy's astype does
      return out;
    }
    case 'F16': {
      const half = new Uint16Array(n);
      copyLittleEndian(half, raw, 2);
      const table = f16Table();
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = table[half[i]];
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: a shift is exact.
      const half = new Uint16Array(n);
      copyLittleEndian(half, raw, 2);
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = half[i] << 16;
      return out;
    }
    default:
      throw new Error(
        `${file}: tensor ${JSON.stringify(name)} has dtype ${info.dtype}; only ${CONVERTIBLE.join(', ')} convert to float32`,
      );
  }
}

// raw may sit at any byte offset, so copy bytes instead of viewing them as a typed array.
function copyLittleEndian(dst: Float32Array | Float64Array | Uint16Array, raw: Uint8Array, width: number): void {
  const bytes = new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength);
  bytes.set(raw);
  if (!LITTLE_ENDIAN_HOST) reverseEach(bytes, width);
}

function reverseEach(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

let F16_TABLE: Uint32Array | null = null;

/** float32 bit patterns of all 65536 float16 values (NaN payloads kept, as numpy does). */
function f16Table(): Uint32Array {
  if (F16_TABLE) return F16_TABLE;
  const table = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfBitsToFloatBits(h);
  return (F16_TABLE = table);
}


// ---------------------------------------------------------------------------------------------
// Writing

/**
 * F32 safetensors bytes. Names are sorted and the buffer is laid out in that order, so the same
 * tensors give byte-identical output; the header is space-padded to a multiple of 8 as HF does.
 */
export function serializeSafetensors(tensors: Record<string, TensorInput>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const parts: string[] = [];
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw new Error('serializeSafetensors: metadata is not an object');
    const keys = Object.keys(metadata).sort();
    for (const k of keys) {
      const v = metadata[k];
      if (typeof v !== 'string') throw new Error(`serializeSafetensors: metadata value for ${JSON.stringify(k)} is not a string`);
      if (!isWellFormed(k) || !isWellFormed(v)) {
        throw new Error(`serializeSafetensors: metadata entry ${JSON.stringify(k)} has a lone surrogate`);
      }
    }
    if (keys.length > 0) {
      parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
    }
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const where = `serializeSafetensors: tensor ${JSON.stringify(name)}`;
    if (name === '__metadata__') throw new Error(`${where}: the name is reserved`);
    if (!isWellFormed(name)) throw new Error(`${where}: the name has a lone surrogate (not encodable as UTF-8)`);
    if (!t || !(t.data instanceof Float32Array)) throw new Error(`${where}: data is not a Float32Array`);
    if (!Array.isArray(t.shape) || !t.shape.every(isNonNegativeSafeInteger)) {
      throw new Error(`${where}: shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`);
    }
    const numel = t.shape.reduce((p, d) => p * d, 1);
    if (numel !== t.data.length) {
      throw new Error(`${where}: shape ${JSON.stringify(t.shape)} has ${numel} elements but data has ${t.data.length}`);
    }
    const end = offset + 4 * numel;
    // Written by hand: JSON.stringify of an object would move integer-like names ("0") first.
    parts.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    const d = tensors[name].data;
    const dst = out.subarray(at, at + d.byteLength);
    dst.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    if (!LITTLE_ENDIAN_HOST) reverseEach(dst, 4);
    at += d.byteLength;
  }
  return out;
}

/** Atomic: a temp file in the same folder, fsynced, then renamed over `path`. */
export function writeSafetensorsFile(path: string, tensors: Record<string, TensorInput>, metadata?: Record<string, string>): void {
  let bytes: Uint8Array;
  try {
    bytes = serializeSafetensors(tensors, metadata);
  } catch (err) {
    throw new Error(`${path}: ${message(err)}`);
  }
  writeFileAtomic(path, bytes);
}

// ---------------------------------------------------------------------------------------------
// Folders (HF checkpoints)

export interface LoadFolderOptions {
  /**
   * Shard files (after following symlinks) must lie inside this folder; default: `dir` itself.
   * The HF hub cache links `snapshots/<rev>/*.safetensors` to `../../blobs/<sha>`: pass the
   * `models--org--name` folder as root to load from it.
   */
  root?: string;
}

export interface SafetensorsFolder extends SafetensorsContent {
  /** The safetensors files read, absolute paths. */
  files: string[];
}

/**
 * `model.safetensors`, or the shards named by `model.safetensors.index.json` (`weight_map`:
 * tensor name → shard file). Returns exactly the tensors the index lists; a shard's __metadata__
 * entries are merged (a conflicting value between shards is an error).
 */
export function loadSafetensorsFolder(dir: string, options: LoadFolderOptions = {}): SafetensorsFolder {
  const root = realpathOrThrow(options.root ?? dir, 'checkpoint root');
  const indexPath = join(dir, 'model.safetensors.index.json');
  const singlePath = join(dir, 'model.safetensors');
  if (existsSync(indexPath)) return loadSharded(dir, indexPath, root);
  if (existsSync(singlePath)) {
    const file = checkInside(singlePath, root, singlePath);
    return { ...readSafetensorsFile(file), files: [file] };
  }
  throw new Error(`${dir}: neither model.safetensors nor model.safetensors.index.json found`);
}

function loadSharded(dir: string, indexPath: string, root: string): SafetensorsFolder {
  let index: unknown;
  try {
    index = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (err) {
    throw new Error(`${indexPath}: cannot read index: ${message(err)}`);
  }
  if (!isPlainObject(index) || !isPlainObject(index.weight_map)) {
    throw new Error(`${indexPath}: no "weight_map" object`);
  }
  const weightMap = index.weight_map;
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string') throw new Error(`${indexPath}: weight_map entry for ${JSON.stringify(name)} is not a string`);
    checkShardName(shard, indexPath);
    const list = byShard.get(shard) ?? [];
    list.push(name);
    byShard.set(shard, list);
  }
  if (byShard.size === 0) throw new Error(`${indexPath}: weight_map is empty`);

  const tensors = new Map<string, Tensor>();
  const metadata: Record<string, string> = {};
  const metadataFrom: Record<string, string> = {};
  const files: string[] = [];
  for (const [shard, names] of [...byShard].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const file = checkInside(join(dir, shard), root, indexPath);
    const content = readSafetensorsFile(file);
    files.push(file);
    for (const name of names) {
      const t = content.tensors.get(name);
      if (!t) throw new Error(`${indexPath}: tensor ${JSON.stringify(name)} is listed for shard ${shard} but ${file} does not contain it`);
      tensors.set(name, t);
    }
    for (const [k, v] of Object.entries(content.metadata)) {
      if (Object.hasOwn(metadata, k) && metadata[k] !== v) {
        throw new Error(`${file}: __metadata__ ${JSON.stringify(k)} = ${JSON.stringify(v)} conflicts with ${JSON.stringify(metadata[k])} in ${metadataFrom[k]}`);
      }
      setOwn(metadata, k, v);
      setOwn(metadataFrom, k, file);
    }
  }
  return { tensors, metadata, files };
}

/** A shard name is a plain relative path: no absolute path, drive letter, `..` or NUL. */
function checkShardName(shard: string, indexPath: string): void {
  const bad = (why: string) => new Error(`${indexPath}: shard name ${JSON.stringify(shard)} ${why}`);
  if (shard.length === 0) throw bad('is empty');
  if (shard.includes('\0')) throw bad('contains a NUL byte');
  if (isAbsolute(shard) || win32.isAbsolute(shard) || /^[A-Za-z]:/.test(shard)) throw bad('is an absolute path');
  if (shard.split(/[\\/]/).includes('..')) throw bad("contains '..' (must stay inside the checkpoint folder)");
}

/** The real path of `file`, required to lie inside `root` after following symlinks. */
function checkInside(file: string, root: string, reporter: string): string {
  const real = realpathOrThrow(file, 'shard');
  const rel = relative(root, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new Error(`${reporter}: ${file} resolves to ${real}, outside the checkpoint folder ${root}`);
  }
  let isFile = false;
  try { isFile = statSync(real).isFile(); } catch { /* reported below */ }
  if (!isFile) throw new Error(`${reporter}: ${file} is not a regular file`);
  return real;
}

function realpathOrThrow(path: string, what: string): string {
  try {
    return realpathSync(resolve(path));
  } catch (err) {
    throw new Error(`${path}: cannot resolve ${what}: ${message(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Plain assignment of the key "__proto__" would set the prototype instead of an entry.
function setOwn(obj: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isNonNegativeSafeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** False for strings with a lone surrogate: they have no UTF-8 encoding. */
function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/**
 * The first key that repeats within one JSON object, or null. `text` must already be valid JSON
 * (JSON.parse succeeded), so a small scanner suffices; keys are compared after unescaping.
 */
function findDuplicateKey(text: string): string | null {
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && top.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), expectKey: true });
    } else if (c === 0x5b /* [ */) {
      stack.push({ keys: null, expectKey: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top && top.keys) top.expectKey = true;
    }
  }
  return null;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
