// The hot path of MessagePack ingest: reads a batch straight from the bytes, checking the schema as it
// goes, when the bytes are exactly a valid batch in the encodings MessagePack libraries write. Anything
// else (an invalid batch, an unusual but legal encoding, not MessagePack at all) returns undefined and
// the caller takes the general path: the structure guard, a general decoder and the schema's validator,
// which also finds the reason. So this reader may only ever accept what that path accepts, with the
// same value (property-tested); it never has to explain a refusal.
//
// Why hand-written: a general decoder builds every map as a dictionary of keys it first decodes as
// strings, and the schema is then checked on the result; here each key is recognised by its bytes and
// each number read and range-checked in place, into objects of one fixed shape (measured in
// ARCHITECTURE.md, "JSON or MessagePack").
import type { Batch, Sample } from '../batch.js';
import { MAX_SAMPLES_PER_BATCH, MIN_SAMPLES_PER_BATCH, NAME_MAX_LENGTH } from '../limits.js';

/** Bytes allowed in `producer` and `host` (the contract's name pattern). */
const NAME_BYTE = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-')
  NAME_BYTE[char.charCodeAt(0)] = 1;

// Field bits: a map must name each of its fields exactly once.
const PRODUCER = 1;
const SEQ = 2;
const SAMPLES = 4;
const HOST = 1;
const TS = 2;
const CPU = 4;
const MEM = 8;
const DISK = 16;
const NET_IN = 32;
const NET_OUT = 64;
const ALL_SAMPLE_FIELDS = 127;

let src: Uint8Array = new Uint8Array(0);
let view: DataView = new DataView(src.buffer);
let pos = 0;
let end = 0;

/** The batch in `bytes` when they are a valid batch in common encodings; otherwise undefined. */
export function readBatch(bytes: Uint8Array): Batch | undefined {
  src = bytes;
  view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = 0;
  end = bytes.length;
  try {
    const batch = batchAt();
    return batch !== undefined && pos === end ? batch : undefined;
  } finally {
    src = EMPTY;
  }
}

const EMPTY = new Uint8Array(0);

function batchAt(): Batch | undefined {
  if (mapHeader() !== 3) return undefined;
  let seen = 0;
  let producer = '';
  let seq = 0;
  let samples: Sample[] | undefined;
  for (let field = 0; field < 3; field++) {
    const key = keyLength();
    if (key === 7 && matches(K_SAMPLES) && !(seen & SAMPLES)) {
      seen |= SAMPLES;
      samples = samplesAt();
      if (samples === undefined) return undefined;
    } else if (key === 8 && matches(K_PRODUCER) && !(seen & PRODUCER)) {
      seen |= PRODUCER;
      const name = nameAt();
      if (name === undefined) return undefined;
      producer = name;
    } else if (key === 3 && matches(K_SEQ) && !(seen & SEQ)) {
      seen |= SEQ;
      seq = numberAt();
      if (!(Number.isInteger(seq) && seq >= 0)) return undefined;
    } else return undefined;
  }
  return { producer, seq, samples: samples as Sample[] };
}

function samplesAt(): Sample[] | undefined {
  const count = arrayHeader();
  if (count < MIN_SAMPLES_PER_BATCH || count > MAX_SAMPLES_PER_BATCH) return undefined;
  const samples = new Array<Sample>(count);
  for (let i = 0; i < count; i++) {
    const sample = sampleAt();
    if (sample === undefined) return undefined;
    samples[i] = sample;
  }
  return samples;
}

function sampleAt(): Sample | undefined {
  if (mapHeader() !== 7) return undefined;
  let seen = 0;
  let host = '';
  let ts = 0;
  let cpu = 0;
  let mem = 0;
  let disk = 0;
  let netIn = 0;
  let netOut = 0;
  for (let field = 0; field < 7; field++) {
    const key = keyLength();
    let bit = 0;
    // keys told apart by length and first byte, then compared whole
    switch (key) {
      case 2:
        bit = matches(K_TS) ? TS : 0;
        break;
      case 3:
        bit = matches(K_CPU) ? CPU : matches(K_MEM) ? MEM : 0;
        break;
      case 4:
        bit = matches(K_HOST) ? HOST : matches(K_DISK) ? DISK : 0;
        break;
      case 5:
        bit = matches(K_NET_IN) ? NET_IN : 0;
        break;
      case 6:
        bit = matches(K_NET_OUT) ? NET_OUT : 0;
        break;
    }
    if (bit === 0 || seen & bit) return undefined;
    seen |= bit;
    if (bit === HOST) {
      const name = nameAt();
      if (name === undefined) return undefined;
      host = name;
      continue;
    }
    const value = numberAt();
    switch (bit) {
      case TS:
        if (!(Number.isInteger(value) && value >= 0)) return undefined;
        ts = value;
        break;
      case CPU:
        if (!(value >= 0 && value <= 100)) return undefined;
        cpu = value;
        break;
      case MEM:
        if (!(value >= 0 && value <= 100)) return undefined;
        mem = value;
        break;
      case DISK:
        if (!(value >= 0 && value <= 100)) return undefined;
        disk = value;
        break;
      case NET_IN:
        if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) return undefined;
        netIn = value;
        break;
      case NET_OUT:
        if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) return undefined;
        netOut = value;
        break;
    }
  }
  if (seen !== ALL_SAMPLE_FIELDS) return undefined;
  return { host, ts, cpu, mem, disk, netIn, netOut };
}

/** A map's entry count (fixmap, map 16), or -1. */
function mapHeader(): number {
  if (pos >= end) return -1;
  const token = src[pos++] as number;
  if (token >= 0x80 && token < 0x90) return token - 0x80;
  if (token === 0xde && pos + 2 <= end) {
    pos += 2;
    return view.getUint16(pos - 2);
  }
  return -1;
}

/** An array's length (fixarray, array 16, array 32), or -1. */
function arrayHeader(): number {
  if (pos >= end) return -1;
  const token = src[pos++] as number;
  if (token >= 0x90 && token < 0xa0) return token - 0x90;
  if (token === 0xdc && pos + 2 <= end) {
    pos += 2;
    return view.getUint16(pos - 2);
  }
  if (token === 0xdd && pos + 4 <= end) {
    pos += 4;
    return view.getUint32(pos - 4);
  }
  return -1;
}

/** A key's byte length when it is a fixstr that fits (the position is left on its first byte), or -1. */
function keyLength(): number {
  if (pos >= end) return -1;
  const token = src[pos] as number;
  if (token < 0xa0 || token >= 0xc0) return -1;
  const length = token - 0xa0;
  if (pos + 1 + length > end) return -1;
  pos++;
  return length;
}

/** Whether the key at the position is `key`; moves past it when it is. */
function matches(key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (src[pos + i] !== key[i]) return false;
  pos += key.length;
  return true;
}

/** A name (fixstr or str 8) of 1–64 allowed bytes, or undefined. */
function nameAt(): string | undefined {
  if (pos >= end) return undefined;
  const token = src[pos++] as number;
  let length: number;
  if (token >= 0xa0 && token < 0xc0) length = token - 0xa0;
  else if (token === 0xd9 && pos < end) length = src[pos++] as number;
  else return undefined;
  if (length < 1 || length > NAME_MAX_LENGTH || pos + length > end) return undefined;
  let name = '';
  for (let i = pos; i < pos + length; i++) {
    const byte = src[i] as number;
    if (NAME_BYTE[byte] === 0) return undefined;
    name += String.fromCharCode(byte);
  }
  pos += length;
  return name;
}

/** A number in any MessagePack integer or float encoding, or NaN (which fails every range check). */
function numberAt(): number {
  if (pos >= end) return Number.NaN;
  const token = src[pos++] as number;
  if (token < 0x80) return token;
  if (token >= 0xe0) return token - 0x100;
  const left = end - pos;
  switch (token) {
    case 0xcb:
      if (left < 8) return Number.NaN;
      pos += 8;
      return view.getFloat64(pos - 8);
    case 0xca:
      if (left < 4) return Number.NaN;
      pos += 4;
      return view.getFloat32(pos - 4);
    case 0xcc:
      if (left < 1) return Number.NaN;
      return src[pos++] as number;
    case 0xcd:
      if (left < 2) return Number.NaN;
      pos += 2;
      return view.getUint16(pos - 2);
    case 0xce:
      if (left < 4) return Number.NaN;
      pos += 4;
      return view.getUint32(pos - 4);
    case 0xcf: {
      if (left < 8) return Number.NaN;
      const high = view.getUint32(pos);
      // beyond 2^53 a number is not exact: the general path refuses it, so must this one
      if (high >= 0x200000) return Number.NaN;
      pos += 8;
      return high * 0x100000000 + view.getUint32(pos - 4);
    }
    case 0xd0:
      if (left < 1) return Number.NaN;
      pos += 1;
      return view.getInt8(pos - 1);
    case 0xd1:
      if (left < 2) return Number.NaN;
      pos += 2;
      return view.getInt16(pos - 2);
    case 0xd2:
      if (left < 4) return Number.NaN;
      pos += 4;
      return view.getInt32(pos - 4);
    default:
      // int 64 is left to the general path: no valid field needs it
      return Number.NaN;
  }
}

const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
const K_PRODUCER = ascii('producer');
const K_SEQ = ascii('seq');
const K_SAMPLES = ascii('samples');
const K_HOST = ascii('host');
const K_TS = ascii('ts');
const K_CPU = ascii('cpu');
const K_MEM = ascii('mem');
const K_DISK = ascii('disk');
const K_NET_IN = ascii('netIn');
const K_NET_OUT = ascii('netOut');
