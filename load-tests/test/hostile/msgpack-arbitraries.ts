// fast-check generators of hostile MessagePack batch bodies: truncated and padded batches, wrong
// types, huge declared lengths, deep nesting, extension types (msgpackr's records among them), prototype
// and non-string keys, random bytes; each says what the contract demands of it where its kind decides
// that, and the contract's own reader is the oracle for the rest.
import { encodeMsgpack, parseBatchMsgpack } from '@ingestlab/metric-schema';
import fc from 'fast-check';
import { freshBatch } from './arbitraries.js';

/** What a system must do with the bytes: take them, refuse them as not a batch, or as not MessagePack. */
export type MsgpackVerdict = 'valid' | 'invalid' | 'not-msgpack';

export interface MsgpackPayload {
  kind: string;
  bytes: Buffer;
  /** The verdict the kind itself implies, when it does (checked against the oracle too). */
  must?: MsgpackVerdict;
}

/** The contract's verdict on the bytes, from the shared reader both systems use. */
export function msgpackVerdict(bytes: Uint8Array): MsgpackVerdict {
  const parsed = parseBatchMsgpack(bytes);
  if (parsed.ok) return 'valid';
  return 'notMsgpack' in parsed ? 'not-msgpack' : 'invalid';
}

const pack = (value: unknown) => Buffer.from(encodeMsgpack(value));

function described(payload: MsgpackPayload): MsgpackPayload {
  const head = payload.bytes.subarray(0, 60).toString('hex');
  return Object.assign(payload, {
    [fc.toStringMethod]: () => `${payload.kind} (${payload.bytes.length} bytes: ${head}...)`,
  });
}

const valid = fc
  .integer({ min: 1, max: 20 })
  .map((n): MsgpackPayload => ({ kind: 'valid', bytes: pack(freshBatch(n)), must: 'valid' }));

/** A valid batch cut short anywhere (the empty body included). */
const truncated = fc.integer({ min: 1, max: 20 }).chain((n) => {
  const bytes = pack(freshBatch(n));
  return fc.integer({ min: 0, max: bytes.length - 1 }).map(
    (cut): MsgpackPayload => ({
      kind: `truncated@${cut}`,
      bytes: bytes.subarray(0, cut),
      must: 'not-msgpack',
    }),
  );
});

const trailing = fc.uint8Array({ minLength: 1, maxLength: 16 }).map(
  (extra): MsgpackPayload => ({
    kind: 'trailing-bytes',
    bytes: Buffer.concat([pack(freshBatch(2)), Buffer.from(extra)]),
    must: 'not-msgpack',
  }),
);

/** Values of the wrong type or range for a field, in MessagePack's own types (bin included). */
const wrongValue = fc.oneof(
  fc.constantFrom(-1, 101, 1e308, -1e308, 0.5, '37.5', null, true, false, [], {}, 2 ** 40),
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 16 }),
  fc.double(),
  fc.integer(),
);

const wrongTypes = fc
  .tuple(
    fc.constantFrom('producer', 'seq', 'samples', 'host', 'ts', 'cpu', 'mem', 'disk', 'netIn', 'netOut'),
    wrongValue,
  )
  .map(([field, value]): MsgpackPayload => {
    const batch = freshBatch(2);
    const samples = batch.samples as Record<string, unknown>[];
    if (field in batch) batch[field] = value;
    else (samples[1] as Record<string, unknown>)[field] = value;
    return { kind: `wrong-type:${field}`, bytes: pack(batch) };
  });

/** Headers that promise far more than the body holds: array, map, str and bin of up to 2^32-1. */
const LENGTH_BYTES = new Map<number, number>([
  [0xd9, 1],
  [0xc4, 1],
  [0xdc, 2],
  [0xde, 2],
  [0xda, 2],
  [0xc5, 2],
  [0xdd, 4],
  [0xdf, 4],
  [0xdb, 4],
  [0xc6, 4],
]);
const hugeLength = fc
  .tuple(fc.constantFrom(...LENGTH_BYTES.keys()), fc.boolean())
  .map(([token, inSamples]): MsgpackPayload => {
    const header = Buffer.concat([Buffer.of(token), Buffer.alloc(LENGTH_BYTES.get(token) as number, 0xff)]);
    const value = Buffer.concat([header, Buffer.alloc(8)]);
    // alone, or as the value of `samples` after a valid producer and seq
    const head = pack({ producer: 'huge-len', seq: 1 });
    head[0] = 0x83;
    const bytes = inSamples ? Buffer.concat([head, Buffer.of(0xa7), Buffer.from('samples'), value]) : value;
    return {
      kind: `huge-length:${token.toString(16)}${inSamples ? ':in-samples' : ''}`,
      bytes,
      must: 'not-msgpack',
    };
  });

/** Arrays nested `depth` deep; beyond 8 levels refused as MessagePack, within as not a batch. */
const deepNesting = fc.integer({ min: 1, max: 100_000 }).map(
  (depth): MsgpackPayload => ({
    kind: `deep-nesting:${depth}`,
    bytes: Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.of(0xc0)]),
    must: depth > 8 ? 'not-msgpack' : 'invalid',
  }),
);

/** Extension types anywhere: fixext 1-16, ext 8/16/32, any type byte (-1 timestamps, msgpackr's records...). */
const extension = fc
  .tuple(
    fc.constantFrom(0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc7, 0xc8, 0xc9),
    fc.integer({ min: 0, max: 255 }),
    fc.boolean(),
  )
  .map(([token, type, inSample]): MsgpackPayload => {
    // fixext 1, 2, 4, 8, 16 (0xd4-0xd8); the ext 8/16/32 forms here carry 3 bytes
    const length = token >= 0xd4 ? 2 ** (token - 0xd4) : 3;
    const header =
      token === 0xc7
        ? Buffer.of(token, length, type)
        : token === 0xc8
          ? Buffer.of(token, 0, length, type)
          : token === 0xc9
            ? Buffer.of(token, 0, 0, 0, length, type)
            : Buffer.of(token, type);
    const ext = Buffer.concat([header, Buffer.alloc(length, 0x01)]);
    if (!inSample) return { kind: `extension:${type}`, bytes: ext, must: 'not-msgpack' };
    // as the value of `cpu` in the first sample of a valid batch
    const marker = 'EXTMARKER';
    const bytes = pack({ ...freshBatch(1), producer: marker });
    const at = bytes.indexOf(Buffer.from(marker)) - 1;
    return {
      kind: `extension:${type}:as-producer`,
      bytes: Buffer.concat([bytes.subarray(0, at), ext, bytes.subarray(at + 1 + marker.length)]),
      must: 'not-msgpack',
    };
  });

/** `__proto__` as a key, at the top or in a sample; and keys that are not strings. */
const badKeys = fc
  .constantFrom('proto-top', 'proto-sample', 'int-key', 'bin-key')
  .map((which): MsgpackPayload => {
    const batch = pack(freshBatch(1));
    if (which === 'proto-top' || which === 'proto-sample') {
      const bytes = Buffer.from(batch);
      // rename the 9-letter key `producer` at the top, or a sample's `host`... both to `__proto__` sized keys
      const target =
        which === 'proto-top'
          ? Buffer.from([0xa8, ...Buffer.from('producer')])
          : Buffer.from([0xa4, ...Buffer.from('host')]);
      const at = bytes.indexOf(target);
      return {
        kind: `bad-key:${which}`,
        bytes: Buffer.concat([
          bytes.subarray(0, at),
          Buffer.from([0xa9, ...Buffer.from('__proto__')]),
          bytes.subarray(at + target.length),
        ]),
        must: 'not-msgpack',
      };
    }
    const key = which === 'int-key' ? Buffer.of(0x07) : Buffer.of(0xc4, 0x01, 0x41);
    return {
      kind: `bad-key:${which}`,
      bytes: Buffer.concat([Buffer.of(0x81), key, Buffer.of(0xc0)]),
      must: 'not-msgpack',
    };
  });

const randomBytes = fc
  .uint8Array({ maxLength: 2000 })
  .map((bytes): MsgpackPayload => ({ kind: 'random-bytes', bytes: Buffer.from(bytes) }));

const randomValue = fc
  .jsonValue({ maxDepth: 4 })
  .map((value): MsgpackPayload => ({ kind: 'random-value', bytes: pack(value) }));

/** Every hostile MessagePack shape, with valid batches mixed in (acked and counted exactly). */
export const hostileMsgpack: fc.Arbitrary<MsgpackPayload> = fc
  .oneof(
    { arbitrary: truncated, weight: 3 },
    { arbitrary: trailing, weight: 1 },
    { arbitrary: wrongTypes, weight: 4 },
    { arbitrary: hugeLength, weight: 2 },
    { arbitrary: deepNesting, weight: 2 },
    { arbitrary: extension, weight: 3 },
    { arbitrary: badKeys, weight: 1 },
    { arbitrary: randomBytes, weight: 2 },
    { arbitrary: randomValue, weight: 1 },
    { arbitrary: valid, weight: 2 },
  )
  .map(described);
