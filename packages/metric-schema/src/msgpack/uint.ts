// Non-negative integers in their shortest MessagePack form, written straight into a byte array: the
// hot paths that build MessagePack by hand (the acks System 2 sends, the producers' batch bodies) use
// these instead of a general encoder. No allocation: they run once per batch.

/** Bytes `value` takes: positive fixint, uint 8, 16, 32 or 64. */
export function msgpackUintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : value < 0x100000000 ? 5 : 9;
}

/** Writes `value` (a safe non-negative integer) at `at`; returns the position after it. */
export function writeMsgpackUint(out: Uint8Array, at: number, value: number): number {
  if (value < 0x80) {
    out[at] = value;
    return at + 1;
  }
  if (value < 0x100) {
    out[at] = 0xcc;
    out[at + 1] = value;
    return at + 2;
  }
  if (value < 0x10000) {
    out[at] = 0xcd;
    writeBigEndian(out, at + 1, value, 2);
    return at + 3;
  }
  if (value < 0x100000000) {
    out[at] = 0xce;
    writeBigEndian(out, at + 1, value, 4);
    return at + 5;
  }
  out[at] = 0xcf;
  writeBigEndian(out, at + 1, Math.floor(value / 0x100000000), 4);
  writeBigEndian(out, at + 5, value >>> 0, 4);
  return at + 9;
}

function writeBigEndian(out: Uint8Array, at: number, value: number, bytes: number): void {
  for (let i = bytes - 1; i >= 0; i--) {
    out[at + i] = value & 0xff;
    value = Math.floor(value / 256);
  }
}
