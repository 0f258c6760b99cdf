import { describe, expect, it } from 'vitest';
import { FrameCost, utf8Length } from '../src/model/frame-cost.js';
import { CostMeter } from '../src/model/cost-meter.js';
import { CSV_COLUMNS, formatCsv } from '../src/model/csv.js';
import { levelOf } from '../src/model/thresholds.js';
import { makeWindow } from './support/windows.js';

describe('formatCsv', () => {
  it('writes a header and one row per window, empty cells for null statistics', () => {
    const full = makeWindow({ start: 0, cpu: 40 });
    full.pipeline.viewers = 2;
    const empty = makeWindow({ start: 1000, samples: 0 });
    const text = formatCsv([
      { system: 'http-redis', window: full },
      { system: 'ws-memory', window: empty },
    ]);
    const lines = text.split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    const row = (i: number) => Object.fromEntries(CSV_COLUMNS.map((c, j) => [c, lines[i]?.split(',')[j]]));
    expect(row(1)).toMatchObject({
      system: 'http-redis',
      start: '0',
      cpu_avg: '40',
      cpu_max: '50',
      viewers: '2',
    });
    expect(row(1).startIso).toBe('1970-01-01T00:00:00.000Z');
    expect(row(2)).toMatchObject({
      system: 'ws-memory',
      samples: '0',
      cpu_avg: '',
      lagP99: '',
      accepted: '0',
    });
    expect(row(2).droppedFrames).toBe('');
  });

  it('quotes commas and quotes and defuses formula-like text', () => {
    const text = formatCsv([{ system: '=cmd,"x"', window: makeWindow({ start: 0 }) }]);
    expect(text.split('\r\n')[1]?.startsWith(`"'=cmd,""x"""`)).toBe(true);
  });
});

describe('levelOf', () => {
  it('colours by warn and critical thresholds, inclusive', () => {
    const t = { warn: 75, critical: 90 };
    expect([10, 75, 89.9, 90, 100].map((v) => levelOf(v, t))).toEqual([
      'ok',
      'warn',
      'warn',
      'critical',
      'critical',
    ]);
  });
});

describe('CostMeter', () => {
  it('summarises the last N measurements', () => {
    const meter = new CostMeter(100);
    for (let i = 1; i <= 150; i++) meter.record(i);
    const summary = meter.summary();
    expect(summary.count).toBe(100);
    expect(summary.max).toBe(150);
    expect(summary.p50).toBe(101);
    expect(summary.mean).toBeCloseTo(100.5);
    expect(meter.total).toBe(150);
  });
});

describe('delivery delay', () => {
  it('is arrival minus window end for live windows only, summarised with the project histogram', async () => {
    const { deliveryOf, recordDelivery, summariseDelivery } = await import('../src/model/delivery.js');
    const windows = [0, 1000, 2000, 3000].map((start) => makeWindow({ start }));
    const [a, b, c, fromHistory] = windows as [
      ReturnType<typeof makeWindow>,
      ReturnType<typeof makeWindow>,
      ReturnType<typeof makeWindow>,
      ReturnType<typeof makeWindow>,
    ];
    expect(recordDelivery(a, a.end + 40)).toBe(40);
    recordDelivery(b, b.end + 60);
    recordDelivery(c, c.end - 5); // a page clock a little behind: counted as 0
    expect(deliveryOf(a)).toBe(40);
    expect(deliveryOf(fromHistory)).toBeNull();
    const summary = summariseDelivery(windows);
    expect(summary.count).toBe(3);
    expect(summary.latest).toBe(-5);
    expect(summary.p50).toBeCloseTo(40, 0);
    expect(summary.p99).toBeCloseTo(60, 0);
    expect(summariseDelivery([fromHistory])).toEqual({ count: 0, latest: null, p50: null, p99: null });
  });
});

describe('FrameCost', () => {
  it('keeps the last N frames per encoding apart, and counts every frame', () => {
    const cost = new FrameCost(2);
    expect(cost.summary('msgpack')).toEqual({
      frames: 0,
      count: 0,
      bytesMean: null,
      decodeMean: null,
      decodeMax: null,
    });
    cost.record('json', 1000, 0.5);
    cost.record('json', 3000, 0.1);
    cost.record('json', 5000, 0.3);
    cost.record('msgpack', 400, 0.2);
    expect(cost.summary('json')).toEqual({
      frames: 3,
      count: 2,
      bytesMean: 4000,
      decodeMean: 0.2,
      decodeMax: 0.3,
    });
    expect(cost.summary('msgpack')).toMatchObject({ frames: 1, bytesMean: 400, decodeMax: 0.2 });
  });

  it('measures JSON frames in UTF-8 bytes', () => {
    expect(utf8Length('{"host":"web-1"}')).toBe(16);
    expect(utf8Length('"µ"')).toBe(4);
  });
});
