import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadSafetensorsFolder,
  parseSafetensors,
  readSafetensorsFile,
  readSafetensorsHeader,
  serializeSafetensors,
  writeSafetensorsFile,
  type TensorInput,
} from '../src/model/safetensors.ts';
import { writeFileAtomic } from '../src/io/atomic.ts';
import { mulberry32 } from '../src/util/random.ts';
import { python } from './helpers.ts';


function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'st-test-'));
}

function randomTensors(rand: () => number): Record<string, TensorInput> {
  const make = (shape: number[]) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (rand() - 0.5) * 10 ** Math.floor(rand() * 8 - 4);
    return { shape, data };
  };
  const special = new Float32Array([-0, 0, 1e-45, -1e-45, 3.4028234663852886e38, -1.1754943508222875e-38, 1, 0.1]);
  return {
    'model.layers.1.weight': make([3, 5]),
    'model.layers.0.weight': make([4, 2, 3]),
    scalar: make([]),
    '0': make([2]),
    '10': make([1]),
    'émbed ✓': make([0, 4]),
    special: { shape: [2, 4], data: special },
  };
}

function assertSameTensors(got: Map<string, { dtype: string; shape: number[]; data: Float32Array }>, want: Record<string, TensorInput>) {
  assert.deepEqual([...got.keys()].sort(), Object.keys(want).sort());
  for (const [name, t] of Object.entries(want)) {
    const g = got.get(name)!;
    assert.equal(g.dtype, 'F32');
    assert.deepEqual(g.shape, t.shape);
    // Bit-level equality: -0, subnormals and NaN payloads must survive.
    assert.deepEqual(new Uint32Array(g.data.buffer, g.data.byteOffset, g.data.length), new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
  }
}

test('round trip: serialize then parse gives the same tensors and metadata, bit for bit', () => {
  const tensors = randomTensors(mulberry32(1));
  tensors.nan = { shape: [3], data: new Float32Array(new Uint32Array([0x7fc00001, 0xffc12345, 0x7f800000]).buffer) };
  const metadata = { format: 'pt', note: 'ünïcode ✓', '0': 'zero' };
  const bytes = serializeSafetensors(tensors, metadata);
  const parsed = parseSafetensors(bytes, 'mem.safetensors');
  assertSameTensors(parsed.tensors, tensors);
  assert.deepEqual(parsed.metadata, metadata);

  const dir = tmp();
  try {
    const path = join(dir, 'a.safetensors');
    writeSafetensorsFile(path, tensors, metadata);
    assertSameTensors(readSafetensorsFile(path).tensors, tensors);
    const header = readSafetensorsHeader(path);
    assert.equal(header.fileSize, bytes.length);
    assert.equal(header.dataStart, 8 + header.headerLength);
    assert.deepEqual(header.tensors.get('model.layers.1.weight')?.shape, [3, 5]);
    assert.deepEqual(readdirSync(dir), ['a.safetensors'], 'no temp file left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serialization is deterministic: same tensors in another key order give identical bytes', () => {
  const a = randomTensors(mulberry32(2));
  const b = Object.fromEntries(Object.entries(randomTensors(mulberry32(2))).reverse());
  const x = serializeSafetensors(a, { b: '2', a: '1' });
  const y = serializeSafetensors(b, { a: '1', b: '2' });
  assert.deepEqual(x, y);
  const n = Number(new DataView(x.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0, 'header padded to a multiple of 8');
  const header = Buffer.from(x.subarray(8, 8 + n)).toString('utf8');
  assert.match(header, /^\{.*\} *$/s, 'padding is spaces after the JSON');
});

test('serializeSafetensors rejects bad input with the tensor named', () => {
  const f = (t: Record<string, TensorInput>) => () => serializeSafetensors(t);
  assert.throws(f({ w: { shape: [2, 2], data: new Float32Array(3) } }), /"w".*4 elements but data has 3/);
  assert.throws(f({ w: { shape: [-1], data: new Float32Array(0) } }), /"w".*non-negative/);
  assert.throws(f({ __metadata__: { shape: [1], data: new Float32Array(1) } }), /reserved/);
  assert.throws(f({ ['\ud800']: { shape: [1], data: new Float32Array(1) } }), /lone surrogate/);
  assert.throws(() => writeSafetensorsFile('/nonexistent-dir/x.safetensors', { w: { shape: [1], data: new Float32Array(1) } }), /nonexistent-dir\/x\.safetensors/);
});

test('our writer read back by Python with struct/json/numpy only', () => {
  const tensors = randomTensors(mulberry32(3));
  const dir = tmp();
  try {
    const path = join(dir, 'py.safetensors');
    writeSafetensorsFile(path, tensors, { format: 'pt' });
    const out = python(
      `
import json, struct, sys
import numpy as np
path = json.load(sys.stdin)['path']
b = open(path, 'rb').read()
(n,) = struct.unpack('<Q', b[:8])
h = b[8:8 + n]
hdr = json.loads(h.decode('utf-8'))
meta = hdr.pop('__metadata__', None)
data = b[8 + n:]
spans = sorted(tuple(v['data_offsets']) for v in hdr.values())
pos = 0
for s, e in spans:
    assert s == pos, (s, pos)
    pos = e
res = {'n': n, 'padding_only_spaces': h.rstrip(b' ').endswith(b'}') and set(h[len(h.rstrip(b' ')):]) <= {32},
       'covered': pos == len(data), 'meta': meta, 'tensors': {}}
for k, v in hdr.items():
    s, e = v['data_offsets']
    arr = np.frombuffer(data[s:e], dtype='<f4').reshape(v['shape'])
    res['tensors'][k] = {'dtype': v['dtype'], 'shape': list(arr.shape), 'values': [float(x) for x in arr.ravel()]}
print(json.dumps(res))
`,
      { path },
    );
    assert.equal(out.n % 8, 0);
    assert.equal(out.padding_only_spaces, true);
    assert.equal(out.covered, true);
    assert.deepEqual(out.meta, { format: 'pt' });
    assert.deepEqual(Object.keys(out.tensors).sort(), Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      assert.equal(out.tensors[name].dtype, 'F32');
      assert.deepEqual(out.tensors[name].shape, t.shape);
      assert.deepEqual(out.tensors[name].values, Array.from(t.data), name); // float32 → double is exact
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('F16, BF16, F64 from a file written by Python convert as numpy does (all 65536 bit patterns)', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'mixed.safetensors');
    const ref = python(
      `
import json, struct, sys
import numpy as np
path = json.load(sys.stdin)['path']
rs = np.random.RandomState(0)
u16 = np.arange(65536, dtype=np.uint16)
arrays = [
    ('h_small', 'F16', np.array([1.5, -2.0, 65504.0], dtype='<f2')),          # 6 bytes: misaligns what follows
    ('f16_all', 'F16', u16.view('<f2').reshape(256, 256)),
    ('bf16_all', 'BF16', u16.astype('<u2')),
    ('f32', 'F32', rs.randn(7).astype('<f4')),
    ('f64', 'F64', np.array([0.1, 1/3, 1e-40, -1e-46, 3.5e38, -2.5, 1e300], dtype='<f8')),
    ('scalar', 'F32', np.array(4.25, dtype='<f4')),
]
hdr, buf, pos = {'__metadata__': {'writer': 'numpy'}}, b'', 0
for name, dt, a in arrays:
    raw = a.tobytes()
    hdr[name] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [pos, pos + len(raw)]}
    buf += raw
    pos += len(raw)
h = json.dumps(hdr).encode('utf-8')
open(path, 'wb').write(struct.pack('<Q', len(h)) + h + buf)
with np.errstate(over='ignore'):
    refs = {
        'h_small': arrays[0][2].astype(np.float32),
        'f16_all': arrays[1][2].astype(np.float32).ravel(),
        # bf16 reference: the 16 bits shifted into the top of a float32
        'bf16_all': (u16.astype(np.uint32) << 16).view(np.float32),
        'f32': arrays[3][2],
        'f64': arrays[4][2].astype(np.float32),
        'scalar': arrays[5][2].reshape(1),
    }
print(json.dumps({k: {'bits': v.view(np.uint32).tolist(), 'nan': np.isnan(v).tolist()} for k, v in refs.items()}))
`,
      { path },
    );
    const got = readSafetensorsFile(path);
    const fromBytes = parseSafetensors(readFileSync(path), path);
    assert.deepEqual(got.metadata, { writer: 'numpy' });
    assert.deepEqual(got.tensors.get('f16_all')!.shape, [256, 256]);
    assert.deepEqual(got.tensors.get('scalar')!.shape, []);
    assert.equal(got.tensors.get('bf16_all')!.dtype, 'BF16');
    for (const [name, r] of Object.entries(ref) as [string, { bits: number[]; nan: boolean[] }][]) {
      for (const content of [got, fromBytes]) {
        const data = content.tensors.get(name)!.data;
        const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
        assert.equal(bits.length, r.bits.length, name);
        let mismatches = 0;
        for (let i = 0; i < bits.length; i++) {
          // A NaN must stay NaN; its payload may be quieted differently by numpy's hardware path.
          if (r.nan[i] ? !Number.isNaN(data[i]) : bits[i] !== r.bits[i]) mismatches++;
        }
        assert.equal(mismatches, 0, `${name}: ${mismatches} values differ from numpy`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Crafted files

const enc = new TextEncoder();

function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  const bufs = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
  const out = new Uint8Array(bufs.reduce((s, b) => s + b.length, 0));
  let at = 0;
  for (const b of bufs) { out.set(b, at); at += b.length; }
  return out;
}

/** A file from header bytes and a data buffer; `length` overrides the header length field. */
function file(header: Uint8Array | string, data: Uint8Array | number = 0, length?: bigint): Uint8Array {
  const h = typeof header === 'string' ? enc.encode(header) : header;
  const pre = new Uint8Array(8);
  new DataView(pre.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  return concat(pre, h, typeof data === 'number' ? new Uint8Array(data) : data);
}

const NAME = 'crafted-7.safetensors';

function rejects(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(
    () => parseSafetensors(bytes, NAME),
    (e: unknown) => {
      assert.ok(e instanceof Error && Object.getPrototypeOf(e) === Error.prototype, `not a plain Error: ${String(e)}`);
      assert.ok(e.message.startsWith(`${NAME}: `), e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('each malformed layout is rejected with a message naming the file and the problem', () => {
  const ok = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  assert.doesNotThrow(() => parseSafetensors(file(ok, 8), NAME));
  rejects(new Uint8Array(5), /shorter than the 8-byte/);
  rejects(file(ok, 8, 1000n), /header length 1000 runs past the end/);
  rejects(file(ok, 8, 2n ** 64n - 1n), /runs past the end/);
  rejects(file(' {}'), /does not start with '\{'/);
  rejects(file(concat('{"a', new Uint8Array([0xff]), '":1}')), /not valid UTF-8/);
  rejects(file('{"a":'), /not valid JSON/);
  rejects(file('{}garbage'), /not valid JSON/);
  rejects(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}{}', 8), /not valid JSON/);
  rejects(file('{"a":1}'), /"a": entry is not a JSON object/);
  rejects(file('{"a":{"shape":[2],"data_offsets":[0,8]}}', 8), /"a": missing "dtype"/);
  rejects(file('{"a":{"dtype":"F32","data_offsets":[0,8]}}', 8), /missing "shape"/);
  rejects(file('{"a":{"dtype":"F32","shape":[2]}}', 8), /missing "data_offsets"/);
  rejects(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}', 8), /unknown field "x"/);
  rejects(file('{"a":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}', 8), /dtype is not a string/);
  rejects(file('{"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}}', 8), /unknown dtype "F17"/);
  rejects(file('{"a":{"dtype":"__proto__","shape":[2],"data_offsets":[0,8]}}', 8), /unknown dtype/);
  rejects(file('{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}', 8), /shape is not an array/);
  rejects(file('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', 8), /negative dimension/);
  rejects(file('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}', 8), /non-integer dimension/);
  rejects(file('{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}', 8), /non-number dimension/);
  rejects(file('{"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,8]}}', 8), /too large/);
  rejects(file('{"a":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,8]}}', 8), /needs 4000000000000 bytes but data_offsets span 8/);
  rejects(file('{"a":{"dtype":"F32","shape":[1000000000000,1000000000000,1000000000000],"data_offsets":[0,8]}}', 8), /needs 4000000000000000000000000000000000000 bytes/);
  rejects(file('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 8), /needs 12 bytes but data_offsets span 8/);
  rejects(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', 8), /data_offsets is not an array of two/);
  rejects(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,-8]}}', 8), /not non-negative integers/);
  rejects(file('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', 8), /end before they begin/);
  rejects(file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', 8), /run past the end of the 8-byte data buffer/);
  rejects(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', 12), /"a" and "b" overlap/);
  rejects(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', 12), /bytes 0\.\.4 are not covered/);
  rejects(file(ok, 12), /data buffer has 12 bytes but the tensors cover only 8/);
  rejects(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 8), /duplicate key "a"/);
  rejects(file('{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}', 8), /duplicate key "dtype"/);
  rejects(file('{"\\u0061":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 8), /duplicate key "a"/);
  rejects(file('{"\\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 8), /not valid UTF-8 \(lone surrogate\)/);
  rejects(file('{"__metadata__":{"a":1}}'), /__metadata__ value for "a" is not a string/);
  rejects(file('{"__metadata__":[]}'), /__metadata__ is not a JSON object/);
  rejects(file('[]'), /does not start with '\{'/);
  rejects(file('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', 8), /tensor "a" has dtype I64; only F32, F16, BF16, F64/);
});

test('readSafetensorsHeader reads only the header and checks it against the file size', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'h.safetensors');
    // A header that claims more data than the file holds is caught without reading the data.
    writeFileSync(path, file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', 8));
    assert.throws(() => readSafetensorsHeader(path), (e: any) => e.message.includes(path) && /run past the end/.test(e.message));
    // A header listing an unsupported dtype is fine for inspection; reading the data is not.
    writeFileSync(path, file('{"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}', 8));
    assert.equal(readSafetensorsHeader(path).tensors.get('a')!.dtype, 'I32');
    assert.throws(() => readSafetensorsFile(path), /h\.safetensors: tensor "a" has dtype I32/);
    assert.throws(() => readSafetensorsFile(join(dir, 'missing.safetensors')), /missing\.safetensors: cannot open/);
    assert.throws(() => readSafetensorsFile(dir), /not a regular file|EISDIR/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Fuzz

const DTYPES: [string, number][] = [['F32', 4], ['F16', 2], ['BF16', 2], ['F64', 8]];

interface Spec { key: Uint8Array; dtype: string; shape: unknown; offsets: unknown; extra?: string; raw?: string }

function assemble(specs: Spec[], metadata: string | null, dataLength: number): Uint8Array {
  const parts: (Uint8Array | string)[] = ['{'];
  if (metadata !== null) parts.push(`"__metadata__":${metadata}`);
  specs.forEach((s, i) => {
    if (i > 0 || metadata !== null) parts.push(',');
    parts.push('"', s.key, '":');
    parts.push(s.raw ?? `{"dtype":${JSON.stringify(s.dtype)},"shape":${JSON.stringify(s.shape)},"data_offsets":${JSON.stringify(s.offsets)}${s.extra ?? ''}}`);
  });
  parts.push('}');
  const dataBytes = new Uint8Array(dataLength);
  for (let i = 0; i < dataLength; i++) dataBytes[i] = (i * 131 + 7) & 0xff;
  return file(concat(...parts), dataBytes);
}

function validSpecs(rand: () => number): { specs: Spec[]; dataLength: number } {
  const n = 1 + Math.floor(rand() * 4);
  const specs: Spec[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const [dtype, size] = DTYPES[Math.floor(rand() * DTYPES.length)];
    const rank = Math.floor(rand() * 4);
    const shape = Array.from({ length: rank }, () => 1 + Math.floor(rand() * 4));
    const bytes = shape.reduce((p, d) => p * d, size);
    specs.push({ key: enc.encode(`t${i}.w`), dtype, shape, offsets: [pos, pos + bytes] });
    pos += bytes;
  }
  return { specs, dataLength: pos };
}

type Defect = (rand: () => number, specs: Spec[], dataLength: number) => Uint8Array;
const pick = <T,>(rand: () => number, xs: T[]): T => xs[Math.floor(rand() * xs.length)];
const withLength = (bytes: Uint8Array, n: bigint) => { new DataView(bytes.buffer).setBigUint64(0, n, true); return bytes; };

// Each defect makes a valid file invalid; every result must be rejected.
const DEFECTS: Record<string, Defect> = {
  'header-length-past-file': (rand, specs, len) => {
    const b = assemble(specs, null, len);
    const over = pick(rand, [1n, 7n, 1000n, 2n ** 31n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]);
    return withLength(b, BigInt(b.length - 8) + over);
  },
  overlap: (rand, specs, len) => {
    if (specs.length < 2) specs.push({ ...specs[0], key: enc.encode('dup.w') });
    const [a, b] = specs;
    const [ab, ae] = a.offsets as number[];
    const [bb, be] = b.offsets as number[];
    const start = ab + Math.floor(rand() * Math.max(1, ae - ab));
    b.offsets = [start, start + (be - bb)];
    return assemble(specs, null, len);
  },
  'offsets-past-buffer': (rand, specs, len) => {
    const s = specs[specs.length - 1];
    const [b, e] = s.offsets as number[];
    const shift = 1 + Math.floor(rand() * 1e6);
    s.offsets = [b + shift, e + shift];
    return assemble(specs, null, len);
  },
  'absurd-shape': (rand, specs, len) => {
    const s = pick(rand, specs);
    s.shape = pick(rand, [[1e12], [1e12, 1e12], [2 ** 53], [2 ** 53 + 2], [1e300], [4294967296, 4294967296], [65536, 65536, 65536]]);
    return assemble(specs, null, len);
  },
  'negative-dim': (rand, specs, len) => {
    const s = pick(rand, specs);
    s.shape = [...(s.shape as number[]), -1 - Math.floor(rand() * 5)];
    return assemble(specs, null, len);
  },
  'non-integer-dim': (rand, specs, len) => {
    pick(rand, specs).shape = pick(rand, [[1.5], ['2'], [null], [[2]], [true], [{}]]);
    return assemble(specs, null, len);
  },
  'size-mismatch': (rand, specs, len) => {
    const s = pick(rand, specs);
    s.shape = [...(s.shape as number[]), 2 + Math.floor(rand() * 3)];
    return assemble(specs, null, len);
  },
  'reversed-offsets': (rand, specs, len) => {
    const s = pick(rand, specs);
    const [b, e] = s.offsets as number[];
    s.offsets = [e + 1, b];
    return assemble(specs, null, len);
  },
  'gap-or-trailing-bytes': (rand, specs, len) => {
    if (rand() < 0.5) return assemble(specs, null, len + 1 + Math.floor(rand() * 16));
    const gap = 1 + Math.floor(rand() * 16);
    for (const s of specs.slice(1)) s.offsets = (s.offsets as number[]).map((o) => o + gap);
    specs[0].offsets = (specs[0].offsets as number[]).slice();
    return assemble(specs, null, len + gap);
  },
  'non-utf8-key': (rand, specs, len) => {
    pick(rand, specs).key = pick(rand, [
      new Uint8Array([0xff]), new Uint8Array([0xc3, 0x28]), new Uint8Array([0xc0, 0xaf]),
      new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0x61, 0xf8, 0x88, 0x80, 0x80, 0x80]), new Uint8Array([0xe2, 0x82]),
    ]);
    return assemble(specs, null, len);
  },
  'lone-surrogate-key': (rand, specs, len) => {
    pick(rand, specs).key = enc.encode(pick(rand, ['\\ud800', 'x\\udfff', '\\udbff\\u0041']));
    return assemble(specs, null, len);
  },
  'unsupported-dtype': (rand, specs, len) => {
    const s = pick(rand, specs);
    // Same element size as the original, so only the dtype itself is wrong.
    const same: Record<string, string[]> = { F32: ['I32', 'U32'], F16: ['I16', 'U16'], BF16: ['I16', 'U16'], F64: ['I64', 'U64'] };
    s.dtype = rand() < 0.5 ? pick(rand, same[s.dtype]) : pick(rand, ['F17', '', 'f32', 'constructor', 'toString', 'BOOL ']);
    return assemble(specs, null, len);
  },
  'missing-field': (rand, specs, len) => {
    const s = pick(rand, specs);
    const fields = [`"dtype":${JSON.stringify(s.dtype)}`, `"shape":${JSON.stringify(s.shape)}`, `"data_offsets":${JSON.stringify(s.offsets)}`];
    fields.splice(Math.floor(rand() * 3), 1);
    s.raw = `{${fields.join(',')}}`;
    return assemble(specs, null, len);
  },
  'wrong-type': (rand, specs, len) => {
    const s = pick(rand, specs);
    const r = Math.floor(rand() * 6);
    if (r === 0) s.raw = pick(rand, ['[]', '1', '"x"', 'null', 'true']);
    else if (r === 1) s.offsets = pick(rand, [[0], [0, 1, 2], ['0', '4'], null, { a: 1 }, [0.5, 4]]);
    else if (r === 2) s.shape = pick(rand, [{}, 'x', 3, null]);
    else if (r === 3) s.extra = ',"parameters":1';
    else if (r === 4) s.raw = `{"dtype":null,"shape":${JSON.stringify(s.shape)},"data_offsets":${JSON.stringify(s.offsets)}}`;
    else return assemble(specs, pick(rand, ['1', '[]', '{"k":1}', '{"k":null}', '{"k":["v"]}']), len);
    return assemble(specs, null, len);
  },
  'duplicate-key': (rand, specs, len) => {
    const s = pick(rand, specs);
    specs.push({ ...s });
    return assemble(specs, null, len);
  },
  'not-json': (rand, specs, len) => {
    const b = assemble(specs, null, len);
    const n = Number(new DataView(b.buffer).getBigUint64(0, true));
    if (rand() < 0.5) return withLength(b, BigInt(1 + Math.floor(rand() * (n - 1)))); // header cut short
    b[8 + n - 1] = pick(rand, [0x7b, 0x5b, 0x5d, 0x22, 0x3a, 0x2c, 0x00, 0x5c]); // the closing brace
    return b;
  },
  'not-object': (rand) => file(pick(rand, ['[]', '"x"', '1', 'null', ' {}', '\ufeff{}', 'true'])),
};

test('fuzz: random, truncated, byte-flipped and crafted files only ever throw a plain Error naming the file', { timeout: 120_000 }, () => {
  const rand = mulberry32(20240902);
  const counts: Record<string, { cases: number; rejected: number; accepted: number }> = {};
  const dir = tmp();
  const started = Date.now();
  let viaFile = 0;
  try {
    const run = (cls: string, bytes: Uint8Array, mustReject: boolean) => {
      const c = (counts[cls] ??= { cases: 0, rejected: 0, accepted: 0 });
      c.cases++;
      const name = `${cls}-${c.cases}.safetensors`;
      const attempts: (() => unknown)[] = [() => parseSafetensors(bytes, name)];
      // Every 8th case also goes through the file reader, which reads by ranges instead.
      if (c.cases % 8 === 0) {
        const path = join(dir, name);
        writeFileSync(path, bytes);
        attempts.push(() => readSafetensorsFile(path));
        viaFile++;
      }
      const outcomes = attempts.map((attempt) => {
        try {
          const got = attempt() as ReturnType<typeof parseSafetensors>;
          for (const t of got.tensors.values()) assert.equal(t.data.length, t.shape.reduce((p, d) => p * d, 1));
          return 'accepted';
        } catch (e) {
          if (!(e instanceof Error) || Object.getPrototypeOf(e) !== Error.prototype || !e.message.includes(name)) {
            assert.fail(`${name}: escaped ${e instanceof Error ? e.constructor.name : typeof e}: ${String(e)}`);
          }
          return 'rejected';
        }
      });
      assert.ok(outcomes.every((o) => o === outcomes[0]), `${name}: byte and file readers disagree`);
      if (mustReject) assert.equal(outcomes[0], 'rejected', `${name}: invalid file was accepted`);
      c[outcomes[0] as 'rejected' | 'accepted']++;
    };

    for (let i = 0; i < 500; i++) {
      const bytes = new Uint8Array(Math.floor(rand() * 48));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      if (bytes.length >= 8 && rand() < 0.5) withLength(bytes, BigInt(Math.floor(rand() * (bytes.length - 7))));
      run('random-bytes', bytes, false);
    }
    for (let i = 0; i < 1000; i++) {
      const { specs, dataLength } = validSpecs(rand);
      const bytes = assemble(specs, rand() < 0.3 ? '{"format":"pt"}' : null, dataLength);
      run('truncated', bytes.subarray(0, Math.floor(rand() * bytes.length)), true);
    }
    for (let i = 0; i < 1000; i++) {
      const { specs, dataLength } = validSpecs(rand);
      const bytes = assemble(specs, null, dataLength).slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) bytes[Math.floor(rand() * bytes.length)] ^= 1 + Math.floor(rand() * 255);
      run('byte-flipped', bytes, false);
    }
    const names = Object.keys(DEFECTS);
    for (let i = 0; i < 3400; i++) {
      const cls = names[i % names.length];
      const { specs, dataLength } = validSpecs(rand);
      run(`crafted:${cls}`, DEFECTS[cls](rand, specs, dataLength), true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const total = Object.values(counts).reduce((s, c) => s + c.cases, 0);
  console.log(`fuzz: ${total} cases (${viaFile} also via file) in ${Date.now() - started} ms`);
  for (const [cls, c] of Object.entries(counts)) console.log(`  ${cls.padEnd(34)} ${c.cases} cases, ${c.rejected} rejected, ${c.accepted} accepted`);
  assert.ok(counts['byte-flipped'].rejected > 0 && counts['truncated'].rejected === 1000);
});

// ---------------------------------------------------------------------------------------------
// Folders

test('loadSafetensorsFolder: single file, shards, path escapes, symlink escapes, missing tensors', () => {
  const base = tmp();
  try {
    const ckpt = join(base, 'ckpt');
    mkdirSync(ckpt);
    const t = (v: number) => ({ shape: [2], data: new Float32Array([v, -v]) });

    writeSafetensorsFile(join(ckpt, 'model.safetensors'), { a: t(1), b: t(2) }, { format: 'pt' });
    const single = loadSafetensorsFolder(ckpt);
    assert.deepEqual([...single.tensors.keys()], ['a', 'b']);
    assert.deepEqual(single.metadata, { format: 'pt' });

    writeSafetensorsFile(join(ckpt, 'model-00001-of-00002.safetensors'), { a: t(1), b: t(2) }, { format: 'pt' });
    writeSafetensorsFile(join(ckpt, 'model-00002-of-00002.safetensors'), { c: t(3) }, { format: 'pt' });
    const index = (weightMap: Record<string, string>) =>
      writeFileSync(join(ckpt, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 24 }, weight_map: weightMap }));
    index({ a: 'model-00001-of-00002.safetensors', b: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' });
    const sharded = loadSafetensorsFolder(ckpt);
    assert.deepEqual([...sharded.tensors.keys()].sort(), ['a', 'b', 'c']);
    assert.deepEqual(Array.from(sharded.tensors.get('c')!.data), [3, -3]);
    assert.equal(sharded.files.length, 2);

    const idx = /model\.safetensors\.index\.json/;
    writeSafetensorsFile(join(base, 'evil.safetensors'), { c: t(9) });
    index({ c: '../evil.safetensors' });
    assert.throws(() => loadSafetensorsFolder(ckpt), (e: any) => idx.test(e.message) && /'\.\.'/.test(e.message));
    index({ c: 'sub/../../evil.safetensors' });
    assert.throws(() => loadSafetensorsFolder(ckpt), /'\.\.'/);
    index({ c: join(base, 'evil.safetensors') });
    assert.throws(() => loadSafetensorsFolder(ckpt), /absolute path/);
    index({ c: 'C:\\evil.safetensors' });
    assert.throws(() => loadSafetensorsFolder(ckpt), /absolute path/);

    symlinkSync(join(base, 'evil.safetensors'), join(ckpt, 'link.safetensors'));
    index({ c: 'link.safetensors' });
    assert.throws(() => loadSafetensorsFolder(ckpt), /outside the checkpoint folder/);
    // The HF hub cache layout: allowed when the caller names the enclosing root.
    assert.deepEqual(Array.from(loadSafetensorsFolder(ckpt, { root: base }).tensors.get('c')!.data), [9, -9]);

    index({ a: 'model-00001-of-00002.safetensors', z: 'model-00002-of-00002.safetensors' });
    assert.throws(() => loadSafetensorsFolder(ckpt), /tensor "z" is listed for shard model-00002-of-00002\.safetensors but .* does not contain it/);
    index({ a: 'nope.safetensors' });
    assert.throws(() => loadSafetensorsFolder(ckpt), /nope\.safetensors/);
    writeFileSync(join(ckpt, 'model.safetensors.index.json'), '{"weight_map": 3}');
    assert.throws(() => loadSafetensorsFolder(ckpt), /index\.json: no "weight_map" object/);

    writeSafetensorsFile(join(ckpt, 'model-00002-of-00002.safetensors'), { c: t(3) }, { format: 'np' });
    index({ a: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' });
    assert.throws(() => loadSafetensorsFolder(ckpt), /__metadata__ "format" = "np" conflicts/);

    const empty = join(base, 'empty');
    mkdirSync(empty);
    assert.throws(() => loadSafetensorsFolder(empty), /empty: neither model\.safetensors nor/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('writeFileAtomic replaces a file in one step and leaves no temp file', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'x.json');
    writeFileAtomic(path, 'old');
    writeFileAtomic(path, '{"new":true}');
    assert.equal(readFileSync(path, 'utf8'), '{"new":true}');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    assert.deepEqual(readdirSync(dir), ['x.json']);
    assert.throws(() => writeFileAtomic(join(dir, 'no', 'x'), 'a'), /no\/x: atomic write failed/);
    assert.deepEqual(readdirSync(dir), ['x.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
