// MessagePack batches: what the general path accepts, the schema-directed reader may take too, with
// the same value; it never takes anything else. Refusals give JSON's reasons; hostile structure is
// refused by the guard before any decoder builds it.
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  type Batch,
  ackMsgpack,
  chooseSubprotocol,
  checkMsgpackStructure,
  decodeMsgpack,
  encodeMsgpack,
  encodingOfSubprotocol,
  parseBatch,
  parseBatchMsgpack,
  readAckMsgpack,
  readBatchMsgpack,
  SUBPROTOCOLS,
  validateBatch,
} from '../src/index.js';

const example: Batch = {
  producer: 'fleet-a-7',
  seq: 42,
  samples: [
    { host: 'web-00017', ts: 1763830000123, cpu: 37.5, mem: 61.2, disk: 48, netIn: 125000, netOut: 98000 },
  ],
};

const name = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
const percent = fc.double({ min: 0, max: 100, noNaN: true });
const rate = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e12, noNaN: true }));
const sampleArb = fc.record({
  host: name,
  ts: fc.nat({ max: 2 ** 45 }),
  cpu: percent,
  mem: percent,
  disk: percent,
  netIn: rate,
  netOut: rate,
});
const batchArb = fc.record({
  producer: name,
  seq: fc.oneof(fc.nat(), fc.maxSafeNat()),
  samples: fc.array(sampleArb, { minLength: 1, maxLength: 20 }),
});

/** What the general path makes of bytes: the guarded decode, then the schema. */
function generalPath(bytes: Uint8Array) {
  const decoded = decodeMsgpack(bytes);
  return decoded.ok ? validateBatch(decoded.value) : decoded;
}

describe('MessagePack batches', () => {
  it('the contract example round-trips and equals its JSON', () => {
    const bytes = encodeMsgpack(example);
    expect(parseBatchMsgpack(bytes)).toEqual({ ok: true, value: example });
    expect(readBatchMsgpack(bytes)).toEqual(JSON.parse(JSON.stringify(example)));
  });

  it('any valid batch encoded by msgpackr is read by the fast reader, equal to the original', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const bytes = encodeMsgpack(batch);
        expect(readBatchMsgpack(bytes)).toEqual(batch);
        expect(parseBatchMsgpack(bytes)).toEqual({ ok: true, value: batch });
      }),
      { numRuns: 300 },
    );
  });

  it('other legal encodings (keys in any order, float32, uint64, map 16, str 8) are accepted either way', () => {
    const float32 = new Packr({ useRecords: false, useFloat32: 1 });
    fc.assert(
      fc.property(batchArb, fc.boolean(), (batch, reorder) => {
        const shuffled = reorder
          ? {
              samples: batch.samples.map((s) => ({
                netOut: s.netOut,
                ts: s.ts,
                host: s.host,
                disk: s.disk,
                cpu: s.cpu,
                netIn: s.netIn,
                mem: s.mem,
              })),
              seq: batch.seq,
              producer: batch.producer,
            }
          : batch;
        const bytes = float32.pack(shuffled);
        const general = generalPath(bytes);
        expect(general.ok).toBe(true);
        const parsed = parseBatchMsgpack(bytes);
        expect(parsed).toEqual(general);
      }),
      { numRuns: 200 },
    );
    // hand-written: a map 16 header, a str 8 producer, a uint64 ts, an int 8 seq
    // biome-ignore format: one field per line
    const bytes = Uint8Array.from([
      0xde, 0x00, 0x03,
      0xa8, ...ascii('producer'), 0xd9, 0x01, 0x70,
      0xa3, ...ascii('seq'), 0xd0, 0x05,
      0xa7, ...ascii('samples'), 0xdc, 0x00, 0x01,
      0x87,
      0xa4, ...ascii('host'), 0xa1, 0x68,
      0xa2, ...ascii('ts'), 0xcf, 0x00, 0x00, 0x01, 0x9a, 0x97, 0x8f, 0x62, 0xfb,
      0xa3, ...ascii('cpu'), 0x01,
      0xa3, ...ascii('mem'), 0xcc, 0x64,
      0xa4, ...ascii('disk'), 0xca, 0x42, 0x40, 0x00, 0x00,
      0xa5, ...ascii('netIn'), 0xce, 0x00, 0x01, 0xe8, 0x48,
      0xa6, ...ascii('netOut'), 0xcd, 0x03, 0xe8,
    ]);
    expect(parseBatchMsgpack(bytes)).toEqual({
      ok: true,
      value: {
        producer: 'p',
        seq: 5,
        samples: [{ host: 'h', ts: 0x19a978f62fb, cpu: 1, mem: 100, disk: 48, netIn: 125000, netOut: 1000 }],
      },
    });
  });

  it('whatever the fast reader takes from damaged bytes, the general path takes too, with the same value', () => {
    fc.assert(
      fc.property(
        batchArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (batch, flips, cut) => {
          const bytes = Uint8Array.from(encodeMsgpack(batch));
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          for (const damaged of [bytes, bytes.subarray(0, cut % bytes.length)]) {
            const fast = readBatchMsgpack(damaged);
            const general = generalPath(damaged);
            if (fast !== undefined) expect(general).toEqual({ ok: true, value: fast });
            expect(() => parseBatchMsgpack(damaged)).not.toThrow();
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an invalid batch is refused with the same reason and details as in JSON', () => {
    const cases: unknown[] = [
      { ...example, seq: -1 },
      { ...example, samples: [] },
      { ...example, samples: [{ ...example.samples[0], cpu: 101 }] },
      { ...example, samples: [{ ...example.samples[0], host: 'bad host' }] },
      { ...example, extra: 1 },
      { ...example, seq: '42' },
      { producer: 'p', seq: 1 },
      [1, 2, 3],
      'a batch',
    ];
    for (const value of cases) {
      const fromJson = parseBatch(JSON.stringify(value));
      expect(fromJson.ok).toBe(false);
      expect(parseBatchMsgpack(encodeMsgpack(value))).toEqual(fromJson);
    }
  });
});

describe('the structure guard', () => {
  const refused = (bytes: number[] | Uint8Array, reason: RegExp) => {
    const input = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    expect(checkMsgpackStructure(input)).toMatch(reason);
    const parsed = parseBatchMsgpack(input);
    expect(parsed).toMatchObject({ ok: false, notMsgpack: true });
  };

  it('accepts well-formed values', () => {
    expect(checkMsgpackStructure(encodeMsgpack(example))).toBeUndefined();
    expect(checkMsgpackStructure(encodeMsgpack({ a: [1, 'x', null, true, 1.5, { b: -3 }] }))).toBeUndefined();
  });

  it('refuses every extension type, msgpackr record definitions and timestamps included', () => {
    refused([0xd4, 0x72, 0x00], /extension types are not accepted \(type 114/); // msgpackr record definition
    refused([0xd5, 0x72, 0x00, 0x01], /extension types/);
    refused([0xd6, 0xff, 0, 0, 0, 1], /extension types are not accepted \(type -1/); // timestamp
    refused([0xc7, 0x01, 0x78, 0x00], /type 120/); // msgpackr RegExp
    refused([0xc8, 0x00, 0x01, 0x65, 0x00], /type 101/); // msgpackr Error
    refused([0xc9, 0x00, 0x00, 0x00, 0x01, 0x74, 0x00], /type 116/); // msgpackr typed array
    refused([0x81, 0xa1, 0x61, 0xd4, 0x73, 0x90], /extension types/); // a Set inside a map
    // a whole batch whose samples are msgpackr records
    refused(new Packr({ useRecords: true }).pack(example), /extension types/);
  });

  it('refuses nesting deeper than 8 levels, cheaply, however deep it goes', () => {
    refused(new Array(9).fill(0x91).concat([0x01]), /nests deeper than 8/);
    const deep = new Uint8Array(1024 * 1024).fill(0x91);
    refused(deep, /nests deeper than 8/);
    refused(new Uint8Array(1024 * 1024).fill(0x81), /nests deeper than 8|not a string/);
    expect(checkMsgpackStructure(Uint8Array.from(new Array(8).fill(0x91).concat([0x01])))).toBeUndefined();
  });

  it('refuses lengths that promise more than the bytes hold, before building anything', () => {
    refused([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], /container of 4294967295 items/);
    refused([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61], /container of 8589934590 items/);
    refused([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61], /length 4294967295 .* runs past the end/);
    refused([0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00], /runs past the end/);
    refused([0xdc, 0x00, 0x03, 0x01, 0x02], /container of 3 items/);
  });

  it('refuses truncation, trailing bytes, unused bytes, odd keys and inexact integers', () => {
    const whole = encodeMsgpack(example);
    for (let cut = 0; cut < whole.length; cut += 7)
      refused(whole.subarray(0, cut), /ends early|runs past|empty/);
    refused([0x01, 0x02], /1 bytes follow/);
    refused([0xc1], /0xc1/);
    refused([0x81, 0x01, 0x02], /map key at byte 1 is not a string/);
    refused([0x81, 0xa9, ...ascii('__proto__'), 0x80], /__proto__/);
    refused([0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 1], /larger than 2\^53/);
    refused([0xd3, 0xff, 0xdf, 0xff, 0xff, 0, 0, 0, 0], /beyond ±2\^53/);
    refused([0xcb, 0x00], /ends early/);
  });
});

describe('negotiation', () => {
  it('prefers MessagePack, then JSON by name; refuses names it does not know', () => {
    expect(chooseSubprotocol(new Set([SUBPROTOCOLS.json, SUBPROTOCOLS.msgpack]))).toBe('ingestlab.msgpack');
    expect(chooseSubprotocol(new Set([SUBPROTOCOLS.json]))).toBe('ingestlab.json');
    expect(chooseSubprotocol(new Set(['mqtt']))).toBe(false);
    expect(encodingOfSubprotocol('ingestlab.msgpack')).toBe('msgpack');
    expect(encodingOfSubprotocol('')).toBe('json');
  });
});

function ascii(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0));
}

describe('MessagePack acks', () => {
  it('are standard MessagePack equal to the JSON ack, and read back by the fast reader', () => {
    for (const seq of [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) {
      for (const duplicate of [false, true]) {
        const bytes = ackMsgpack(seq, 100, duplicate);
        expect(decodeMsgpack(bytes)).toEqual({
          ok: true,
          value: { type: 'ack', seq, accepted: 100, duplicate },
        });
        expect(readAckMsgpack(bytes)).toEqual({ seq, accepted: 100, duplicate });
      }
    }
    expect(readAckMsgpack(encodeMsgpack({ type: 'nack', seq: 1, error: 'x' }))).toBeUndefined();
    expect(readAckMsgpack(ackMsgpack(1, 2, true).subarray(0, 20))).toBeUndefined();
  });
});
