// MessagePack for the contract: standard MessagePack (maps with string keys, as any library writes),
// never msgpackr's record or other extensions, so a producer in any language can speak it. Untrusted
// bytes pass the structure guard before msgpackr decodes them; batches take the schema-directed reader
// first (see batch-reader.ts). Encoding is msgpackr's, in standard mode.
import { Packr, Unpackr } from 'msgpackr';
import type { Batch } from '../batch.js';
import { type Validation, validateBatch } from '../validate.js';
import { readBatch } from './batch-reader.js';
import { checkMsgpackStructure } from './structure-check.js';

/**
 * Standard MessagePack only: objects as maps (no records), no shared structures, no extensions of
 * msgpackr's own; each map with its shortest header (fixmap for our objects). Integers above 2^32
 * are written as float64 (exact up to 2^53).
 */
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });
/**
 * Maps as plain objects; 64-bit integers as numbers (the guard has already refused any beyond 2^53).
 * Record definitions and extensions never reach it: the guard refuses every extension type.
 */
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export type DecodedMsgpack = { ok: true; value: unknown } | { ok: false; error: string };

/** Encodes a value as standard MessagePack (one new buffer). */
export function encodeMsgpack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes untrusted MessagePack: the structure guard first, then msgpackr; never throws. */
export function decodeMsgpack(bytes: Uint8Array): DecodedMsgpack {
  const refused = checkMsgpackStructure(bytes);
  if (refused !== undefined) return { ok: false, error: `body is not acceptable MessagePack: ${refused}` };
  try {
    return { ok: true, value: unpackr.unpack(bytes) };
  } catch (error) {
    // the guard has checked every length and type, so this is not expected; refuse it all the same
    return { ok: false, error: `body is not acceptable MessagePack: ${(error as Error).message}` };
  }
}

/** A refusal says whether the bytes were not MessagePack we take, or MessagePack but not a batch. */
export type MsgpackBatch = Validation<Batch> | { ok: false; notMsgpack: true; error: string };

/**
 * Parses and validates a MessagePack batch, as both systems do at their boundary: the schema-directed
 * reader for the common case, else the guarded general decode and the schema's validator (which
 * gives the same reasons as for JSON).
 */
export function parseBatchMsgpack(bytes: Uint8Array): MsgpackBatch {
  const fast = readBatch(bytes);
  if (fast !== undefined) return { ok: true, value: fast };
  const decoded = decodeMsgpack(bytes);
  if (!decoded.ok) return { ok: false, notMsgpack: true, error: decoded.error };
  return validateBatch(decoded.value);
}
