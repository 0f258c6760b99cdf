// fast-check generators of hostile ingest payloads: mutated batches, random JSON, deep nesting, huge
// key counts, prototype keys, invalid UTF-8 and random bytes, plus an oracle (the contract's own
// parser and validator) saying whether a payload is a valid batch.
import { parseBatch } from '@ingestlab/metric-schema';
import fc from 'fast-check';

export interface Payload {
  /** What kind of hostility, for failure messages. */
  kind: string;
  bytes: Buffer;
}

/** fast-check prints counterexamples with this: the kind, size and start, not megabytes of bytes. */
function described(payload: Payload): Payload {
  const head = payload.bytes.subarray(0, 120).toString('latin1');
  return Object.assign(payload, {
    [fc.toStringMethod]: () => `${payload.kind} (${payload.bytes.length} bytes: ${JSON.stringify(head)}...)`,
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** True when the bytes are UTF-8 JSON of a valid batch: the answer must then be an ack. */
export function isValidBatch(bytes: Buffer): boolean {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return false;
  }
  return parseBatch(text).ok;
}

let unique = 0;
/** A valid batch with a producer name no other payload uses. */
export function freshBatch(samples = 2): Record<string, unknown> {
  unique++;
  return {
    producer: `hostile-${process.pid}-${unique}`,
    seq: unique,
    samples: Array.from({ length: samples }, (_, i) => ({
      host: `hh-${i}`,
      ts: Date.now(),
      cpu: 10 + i,
      mem: 20,
      disk: 30,
      netIn: 100,
      netOut: 200,
    })),
  };
}

const json = (value: unknown, kind: string): Payload => ({ kind, bytes: Buffer.from(JSON.stringify(value)) });

/** Values that break a field: wrong types, out of range, non-finite spelled as strings, huge. */
const badValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 101, 1e308, -1e308, 2 ** 53, 0.5, '37.5', 'NaN', 'Infinity', null, true, [], {}),
  fc.string({ maxLength: 80 }),
);

const FIELDS = ['producer', 'seq', 'samples'] as const;
const SAMPLE_FIELDS = ['host', 'ts', 'cpu', 'mem', 'disk', 'netIn', 'netOut'] as const;

/** A valid batch with one mutation; often (not always) invalid, which the oracle decides. */
const mutatedBatch: fc.Arbitrary<Payload> = fc
  .tuple(
    fc.constantFrom(
      'set-field',
      'drop-field',
      'extra-field',
      'set-sample-field',
      'drop-sample-field',
      'extra-sample-field',
      'samples-count',
    ),
    fc.constantFrom(...FIELDS),
    fc.constantFrom(...SAMPLE_FIELDS),
    badValue,
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constantFrom(0, 1001, 1002),
  )
  .map(([mutation, field, sampleField, value, key, count]) => {
    const batch = freshBatch();
    const sample = (batch.samples as Record<string, unknown>[])[0] as Record<string, unknown>;
    switch (mutation) {
      case 'set-field':
        batch[field] = value;
        break;
      case 'drop-field':
        delete batch[field];
        break;
      case 'extra-field':
        batch[key in batch ? `${key}_` : key] = value;
        break;
      case 'set-sample-field':
        sample[sampleField] = value;
        break;
      case 'drop-sample-field':
        delete sample[sampleField];
        break;
      case 'extra-sample-field':
        sample[key in sample ? `${key}_` : key] = value;
        break;
      case 'samples-count':
        batch.samples = Array.from({ length: count }, () => ({ ...sample }));
        break;
    }
    return json(batch, `mutated:${mutation}`);
  });

/** Prototype-pollution shapes, written as JSON text so the keys survive as own properties. */
const prototypeKeys: fc.Arbitrary<Payload> = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom('top', 'sample', 'nested'))
  .map(([key, where]) => {
    const text = JSON.stringify(freshBatch());
    const poison =
      key === 'constructor' ? '{"prototype":{"polluted":true}}' : '{"polluted":true,"accepted":999}';
    const bytes =
      where === 'top'
        ? `{"${key}":${poison},${text.slice(1)}`
        : where === 'sample'
          ? text.replace('"samples":[{', `"samples":[{"${key}":${poison},`)
          : text.replace('"samples":[', `"samples":[{"${key}":${poison}},`);
    return { kind: `prototype:${key}:${where}`, bytes: Buffer.from(bytes) };
  });

/** Deeply nested arrays or objects, up to ~600 KB (under the 1 MiB limit, so the parser must cope). */
const deepNesting: fc.Arbitrary<Payload> = fc
  .tuple(fc.integer({ min: 1000, max: 150_000 }), fc.boolean(), fc.boolean())
  .map(([depth, arrays, inBatch]) => {
    const open = arrays ? '[' : '{"a":';
    const close = arrays ? ']' : '}';
    const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
    const text = inBatch ? JSON.stringify(freshBatch()).replace('"seq":', `"deep":${nested},"seq":`) : nested;
    return { kind: `deep:${arrays ? 'arrays' : 'objects'}:${depth}`, bytes: Buffer.from(text) };
  });

/** Objects with tens of thousands of keys, top level or inside a sample (under 1 MiB). */
const manyKeys: fc.Arbitrary<Payload> = fc
  .tuple(fc.integer({ min: 1000, max: 60_000 }), fc.boolean())
  .map(([keys, inSample]) => {
    const body = Array.from({ length: keys }, (_, i) => `"k${i}":${i}`).join(',');
    const batch = JSON.stringify(freshBatch());
    const text = inSample
      ? batch.replace('"samples":[{', `"samples":[{${body},`)
      : `{${body},${batch.slice(1)}`;
    return { kind: `many-keys:${keys}`, bytes: Buffer.from(text) };
  });

/** A valid batch's bytes with invalid UTF-8 spliced into a string value. */
const invalidUtf8: fc.Arbitrary<Payload> = fc
  .constantFrom(
    [0xff],
    [0xc3, 0x28],
    [0xe2, 0x28, 0xa1],
    [0xf0, 0x28, 0x8c, 0x28],
    [0xed, 0xa0, 0x80],
    [0xc0, 0xaf],
  )
  .map((bad) => {
    const text = JSON.stringify(freshBatch());
    const at = text.indexOf('hh-0') + 2;
    const bytes = Buffer.concat([
      Buffer.from(text.slice(0, at)),
      Buffer.from(bad),
      Buffer.from(text.slice(at)),
    ]);
    return { kind: `invalid-utf8:${bad.map((b) => b.toString(16)).join('')}`, bytes };
  });

const randomJson: fc.Arbitrary<Payload> = fc.jsonValue().map((value) => json(value, 'random-json'));
const randomBytes: fc.Arbitrary<Payload> = fc
  .uint8Array({ maxLength: 2000 })
  .map((bytes) => ({ kind: 'random-bytes', bytes: Buffer.from(bytes) }));
const valid: fc.Arbitrary<Payload> = fc.integer({ min: 1, max: 20 }).map((n) => json(freshBatch(n), 'valid'));

/** Every hostile shape, with some valid batches mixed in (they must be acked and counted exactly). */
export const hostilePayload: fc.Arbitrary<Payload> = fc
  .oneof(
    { arbitrary: mutatedBatch, weight: 6 },
    { arbitrary: prototypeKeys, weight: 2 },
    { arbitrary: deepNesting, weight: 1 },
    { arbitrary: manyKeys, weight: 1 },
    { arbitrary: invalidUtf8, weight: 2 },
    { arbitrary: randomJson, weight: 2 },
    { arbitrary: randomBytes, weight: 2 },
    { arbitrary: valid, weight: 2 },
  )
  .map(described);

/** Content types a client might send; only the JSON ones may be acked. */
export const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  '',
);

/** Query strings for GET routes: junk, prototype keys, repeated and huge parameters. */
export const queryString = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom(
    'range=5m',
    'range=1h',
    'range=',
    'range=999d',
    'range=5m&range=1h',
    'range[]=5m',
    '__proto__[range]=5m',
    'constructor[prototype][x]=1',
    'range=%00',
    'range=%ZZ',
    `range=${'9'.repeat(5000)}`,
    Array.from({ length: 2000 }, (_, i) => `p${i}=1`).join('&'),
  ),
);

/** Extra request headers: random token names with printable values, plus a few well-known ones. */
export const extraHeaders = fc.array(
  fc.tuple(
    fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,40}$/),
      fc.constantFrom(
        'content-type',
        'content-encoding',
        'x-producer',
        'accept',
        'expect',
        'origin',
        'cookie',
      ),
    ),
    fc.stringMatching(/^[\x20-\x7e]{0,300}$/),
  ),
  { maxLength: 12 },
);

/** Request heads that break HTTP/1.1 framing (smuggling shapes, bad lengths, illegal bytes). */
export const BROKEN_FRAMING: { name: string; headers: string }[] = [
  { name: 'content-length and chunked', headers: 'Content-Length: 10\r\nTransfer-Encoding: chunked' },
  { name: 'two content-lengths', headers: 'Content-Length: 10\r\nContent-Length: 11' },
  { name: 'negative content-length', headers: 'Content-Length: -1' },
  { name: 'non-numeric content-length', headers: 'Content-Length: abc' },
  { name: 'huge content-length', headers: 'Content-Length: 99999999999999999999' },
  { name: 'unknown transfer-encoding', headers: 'Transfer-Encoding: gzip, chunked, identity' },
  { name: 'NUL in a header value', headers: 'X-A: a\u0000b\r\nContent-Length: 2' },
  { name: 'obs-fold continuation', headers: 'X-A: a\r\n  folded\r\nContent-Length: 2' },
  { name: 'space before colon', headers: 'Content-Length : 2' },
];
