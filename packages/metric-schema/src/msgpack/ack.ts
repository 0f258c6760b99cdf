// System 2's ack in MessagePack, written and read as bytes: the hot path sends one per batch, so the
// ack is built from fixed parts around its numbers (as the JSON ack is a concatenated string), and a
// producer reads it by comparing those parts instead of decoding a map. Both are standard MessagePack:
// `{"type":"ack","seq":42,"accepted":1,"duplicate":false}` as a map of four string keys.
import { writeMsgpackUint } from './uint.js';

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0));
/** `{` of four entries, `type: 'ack'`, then the key `seq`. */
const HEAD = Uint8Array.from([0x84, 0xa4, ...ascii('type'), 0xa3, ...ascii('ack'), 0xa3, ...ascii('seq')]);
const ACCEPTED = Uint8Array.from([0xa8, ...ascii('accepted')]);
const DUPLICATE = Uint8Array.from([0xa9, ...ascii('duplicate')]);
const TRUE = 0xc3;
const FALSE = 0xc2;

/** The ack frame for a batch, as MessagePack bytes. */
export function ackMsgpack(seq: number, accepted: number, duplicate: boolean): Uint8Array {
  const out = new Uint8Array(HEAD.length + 9 + ACCEPTED.length + 9 + DUPLICATE.length + 1);
  out.set(HEAD, 0);
  let at = writeMsgpackUint(out, HEAD.length, seq);
  out.set(ACCEPTED, at);
  at = writeMsgpackUint(out, at + ACCEPTED.length, accepted);
  out.set(DUPLICATE, at);
  out[at + DUPLICATE.length] = duplicate ? TRUE : FALSE;
  return out.subarray(0, at + DUPLICATE.length + 1);
}

export interface AckFields {
  seq: number;
  accepted: number;
  duplicate: boolean;
}

/** The fields of an ack written as `ackMsgpack` writes it; undefined for anything else (decode it then). */
export function readAckMsgpack(bytes: Uint8Array): AckFields | undefined {
  if (!startsWith(bytes, HEAD, 0)) return undefined;
  const seq = readUint(bytes, HEAD.length);
  if (seq === undefined || !startsWith(bytes, ACCEPTED, seq.next)) return undefined;
  const accepted = readUint(bytes, seq.next + ACCEPTED.length);
  if (accepted === undefined || !startsWith(bytes, DUPLICATE, accepted.next)) return undefined;
  const at = accepted.next + DUPLICATE.length;
  if (at !== bytes.length - 1) return undefined;
  const flag = bytes[at];
  if (flag !== TRUE && flag !== FALSE) return undefined;
  return { seq: seq.value, accepted: accepted.value, duplicate: flag === TRUE };
}

/** Payload bytes of uint 8/16/32/64. */
const UINT_SIZES: Record<number, number> = { 204: 1, 205: 2, 206: 4, 207: 8 };

function readUint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  const token = bytes[at];
  if (token === undefined) return undefined;
  if (token < 0x80) return { value: token, next: at + 1 };
  const size = UINT_SIZES[token];
  if (size === undefined || at + 1 + size > bytes.length) return undefined;
  let value = 0;
  for (let i = 1; i <= size; i++) value = value * 256 + (bytes[at + i] as number);
  return { value, next: at + 1 + size };
}

function startsWith(bytes: Uint8Array, part: Uint8Array, at: number): boolean {
  if (at + part.length > bytes.length) return false;
  for (let i = 0; i < part.length; i++) if (bytes[at + i] !== part[i]) return false;
  return true;
}
