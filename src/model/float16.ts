// IEEE half precision → float32, exactly (every float16 is a float32), shared by the safetensors and
// GGUF readers.

/** The float32 bit pattern of the float16 with bits `h` (NaN payloads kept, as numpy does). */
export function halfBitsToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let frac = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (frac << 13)) >>> 0;
  if (exp === 0) {
    if (frac === 0) return sign >>> 0;
    // Subnormal half: normalise, float32 has the exponent range to hold it exactly.
    let e = 113;
    while ((frac & 0x400) === 0) { frac <<= 1; e--; }
    return (sign | (e << 23) | ((frac & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((exp + 112) << 23) | (frac << 13)) >>> 0;
}
