/**
 * CRC-32 (IEEE 802.3, as zlib): the envelope's damage check. Chosen over a
 * truncated SHA-256 because it is four times cheaper on the hot path and it
 * is guaranteed, not just likely, to catch every error confined to 32
 * consecutive bits, so every single flipped byte. Not a security boundary:
 * the GCM tags are.
 */
const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/** CRC-32 of `bytes[0, end)`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, end = bytes.length): number {
  let c = -1;
  for (let i = 0; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
