/**
 * Redis Cluster's hash slot of a key: CRC16 (XMODEM) of the key, or of its
 * hash tag (the text between the first `{` and the next `}`, when not
 * empty), modulo 16384. The same function as `CLUSTER KEYSLOT` (a test
 * checks them against each other on the real cluster).
 *
 * @example
 * keySlot('pv:app:{abc}') === keySlot('pv:app:g:{abc}'); // true: one slot per item
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(Buffer.from(key.slice(open + 1, close))) & 16383;
  }
  return crc16(Buffer.from(key)) & 16383;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
