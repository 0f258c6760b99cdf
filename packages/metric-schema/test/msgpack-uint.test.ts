// The hand-written integer writer the ack and the producers' bodies share: shortest form at every
// boundary, and what it writes decodes back to the same number.
import { describe, expect, it } from 'vitest';
import { decodeMsgpack, msgpackUintSize, writeMsgpackUint } from '../src/index.js';

const CASES: [number, number][] = [
  [0, 1],
  [127, 1],
  [128, 2],
  [255, 2],
  [256, 3],
  [65_535, 3],
  [65_536, 5],
  [4_294_967_295, 5],
  [4_294_967_296, 9],
  [Number.MAX_SAFE_INTEGER, 9],
];

describe('writeMsgpackUint', () => {
  it('writes each integer in its shortest form, and it decodes back', () => {
    for (const [value, size] of CASES) {
      const out = new Uint8Array(12).fill(0xee);
      const end = writeMsgpackUint(out, 2, value);
      expect(end - 2, String(value)).toBe(size);
      expect(msgpackUintSize(value), String(value)).toBe(size);
      const decoded = decodeMsgpack(out.subarray(2, end));
      expect(decoded.ok && decoded.value, String(value)).toBe(value);
      expect(out[0]).toBe(0xee); // nothing written before `at`
    }
  });
});
