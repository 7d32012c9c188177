// One member of a zip archive (a Python wheel is a zip), read through the central directory
// (APPNOTE.TXT 4.3): the End Of Central Directory record at the end of the file names where the
// directory starts; each directory entry gives the member's compression, sizes and the offset of its
// local header, after which its data lies. Stored (0) and deflated (8) members are read; the archive
// is untrusted, so every size and offset is checked against the file before use.
import { inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** The bytes of `member` in the zip archive `zip`; `archive` names it in errors; `maxBytes` caps the output. */
export function zipMember(zip: Uint8Array, member: string, archive: string, maxBytes: number): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const fail = (msg: string): never => { throw new Error(`${archive}: ${msg}`); };
  // the EOCD is 22 bytes plus a comment of up to 65535 bytes, at the very end
  let eocd = -1;
  for (let p = zip.length - 22; p >= Math.max(0, zip.length - 22 - 65535); p--) {
    if (view.getUint32(p, true) === EOCD_SIGNATURE) { eocd = p; break; }
  }
  if (eocd < 0) fail('not a zip archive (no end-of-central-directory record)');
  const entries = view.getUint16(eocd + 10, true);
  const dirSize = view.getUint32(eocd + 12, true);
  const dirStart = view.getUint32(eocd + 16, true);
  if (dirStart === 0xffffffff || entries === 0xffff) fail('ZIP64 archives are not supported');
  if (dirStart + dirSize > eocd) fail(`central directory (${dirSize} bytes at ${dirStart}) runs past its end record`);
  const names: string[] = [];
  let p = dirStart;
  for (let i = 0; i < entries; i++) {
    if (p + 46 > dirStart + dirSize || view.getUint32(p, true) !== CENTRAL_SIGNATURE) fail(`central directory entry ${i} is damaged`);
    const method = view.getUint16(p + 10, true);
    const compressed = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    if (p + 46 + nameLen > dirStart + dirSize) fail(`central directory entry ${i} is damaged`);
    const name = Buffer.from(zip.subarray(p + 46, p + 46 + nameLen)).toString('utf8');
    names.push(name);
    p += 46 + nameLen + extraLen + commentLen;
    if (name !== member) continue;
    if (size > maxBytes) fail(`member ${member} is ${size} bytes, more than the expected ${maxBytes}`);
    if (local + 30 > zip.length || view.getUint32(local, true) !== LOCAL_SIGNATURE) fail(`local header of ${member} is damaged`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + compressed > zip.length) fail(`data of ${member} (${compressed} bytes at ${start}) runs past the end of the archive`);
    const raw = zip.subarray(start, start + compressed);
    let out: Uint8Array;
    if (method === 0) out = raw.slice();
    else if (method === 8) {
      try {
        out = inflateRawSync(raw, { maxOutputLength: Math.max(1, maxBytes) });
      } catch (err) {
        return fail(`member ${member} does not inflate: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else return fail(`member ${member} uses compression method ${method} (only stored and deflate are supported)`);
    if (out.length !== size) fail(`member ${member} inflates to ${out.length} bytes, its directory entry says ${size}`);
    return out;
  }
  return fail(`has no member ${member} (${names.length} members${names.length ? `, e.g. ${names.slice(0, 3).join(', ')}` : ''})`);
}
