// Every bad input the contract lists is refused with a precise path; good batches pass untouched.
import { describe, expect, it } from 'vitest';
import { MAX_SAMPLES_PER_BATCH, parseBatch, seqOf, validateBatch } from '../src/index.js';

const sample = () => ({
  host: 'web-00017',
  ts: 1763830000123,
  cpu: 37.5,
  mem: 61.2,
  disk: 48,
  netIn: 125000,
  netOut: 98000,
});
const batch = (over: Record<string, unknown> = {}) => ({
  producer: 'fleet-a-7',
  seq: 42,
  samples: [sample()],
  ...over,
});
const withSample = (over: Record<string, unknown>) => batch({ samples: [{ ...sample(), ...over }] });

function refusedAt(value: unknown): string[] {
  const result = validateBatch(value);
  if (result.ok) throw new Error('expected the batch to be refused');
  expect(result.error).toMatch(/^invalid batch: /);
  return result.details.map((detail) => detail.path);
}

describe('validateBatch', () => {
  it('accepts the contract example and returns the same object', () => {
    const good = batch();
    const result = validateBatch(good);
    expect(result).toEqual({ ok: true, value: good });
  });

  it('accepts boundary values: 0 and 100 percent, 1000 samples, 64-character names', () => {
    const name = 'a'.repeat(64);
    const samples = Array.from({ length: MAX_SAMPLES_PER_BATCH }, () => ({
      ...sample(),
      host: name,
      cpu: 0,
      mem: 100,
    }));
    expect(validateBatch(batch({ producer: name, seq: 0, samples })).ok).toBe(true);
  });

  it.each([
    [
      'a missing field',
      (() => {
        const s: Record<string, unknown> = sample();
        delete s.cpu;
        return batch({ samples: [s] });
      })(),
      '/samples/0/cpu',
    ],
    [
      'a missing producer',
      (() => {
        const b: Record<string, unknown> = batch();
        delete b.producer;
        return b;
      })(),
      '/producer',
    ],
    ['an extra sample field', withSample({ gpu: 3 }), '/samples/0/gpu'],
    ['an extra batch field', batch({ extra: true }), '/extra'],
    ['a string number', withSample({ cpu: '37.5' }), '/samples/0/cpu'],
    ['NaN', withSample({ mem: Number.NaN }), '/samples/0/mem'],
    ['Infinity', withSample({ netIn: Number.POSITIVE_INFINITY }), '/samples/0/netIn'],
    ['a percentage over 100', withSample({ disk: 100.5 }), '/samples/0/disk'],
    ['a negative rate', withSample({ netOut: -1 }), '/samples/0/netOut'],
    ['a fractional ts', withSample({ ts: 1.5 }), '/samples/0/ts'],
    ['a negative seq', batch({ seq: -1 }), '/seq'],
    ['a fractional seq', batch({ seq: 4.2 }), '/seq'],
    ['zero samples', batch({ samples: [] }), '/samples'],
    ['1001 samples', batch({ samples: Array.from({ length: 1001 }, sample) }), '/samples'],
    ['a 65-character producer', batch({ producer: 'p'.repeat(65) }), '/producer'],
    ['an empty host', withSample({ host: '' }), '/samples/0/host'],
    ['a host with a space', withSample({ host: 'web 1' }), '/samples/0/host'],
    ['samples as an object', batch({ samples: { 0: sample() } }), '/samples'],
    ['a null sample', batch({ samples: [null] }), '/samples/0'],
  ])('refuses %s with its path', (_name, value, path) => {
    expect(refusedAt(value)).toContain(path);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses a %s key parsed from JSON as an extra field',
    (key) => {
      const text = `{"producer":"p","seq":1,"${key}":{"polluted":true},"samples":[${JSON.stringify(sample())}]}`;
      const result = parseBatch(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.details.map((d) => d.path)).toContain(`/${key}`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('refuses non-objects at the root', () => {
    for (const value of [null, 42, 'batch', [batch()], true]) expect(refusedAt(value)).toContain('/');
  });

  it('caps the number of details so a hostile batch cannot inflate the answer', () => {
    const samples = Array.from({ length: 500 }, () => ({ ...sample(), cpu: 'x', mem: 'y' }));
    const result = validateBatch(batch({ samples }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.details.length).toBeLessThanOrEqual(10);
  });
});

describe('parseBatch', () => {
  it('reports JSON syntax errors as such', () => {
    const result = parseBatch('{"producer": ');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/not valid JSON/);
  });

  it('parses and validates a good batch', () => {
    expect(parseBatch(JSON.stringify(batch())).ok).toBe(true);
  });
});

describe('seqOf', () => {
  it('recovers seq from an invalid batch for the nack, and null when it is unusable', () => {
    expect(seqOf({ seq: 7, samples: 'nope' })).toBe(7);
    expect(seqOf({ seq: '7' })).toBeNull();
    expect(seqOf({ seq: -2 })).toBeNull();
    expect(seqOf(null)).toBeNull();
  });
});
