// The generator's small parts, in isolation: the HTTP/1.1 response reader, the pre-encoded batch
// bodies (the same values as the simulator, valid per the contract), the due-time heap, how producers
// are planned over threads, the generator-bound verdict, and the open-file limit check.
import { Histogram } from '@ingestlab/aggregation';
import { decodeMsgpack, readBatchMsgpack, validateBatch } from '@ingestlab/metric-schema';
import { describe, expect, it } from 'vitest';
import { DueHeap } from '../src/due-heap.js';
import {
  MsgpackSampleEncoder,
  msgpackBatchBody,
  msgpackBatchHead,
  msgpackSampleEnd,
} from '../src/msgpack-sample-encoder.js';
import { BodyPool } from '../src/sample-encoder.js';
import {
  GENERATOR_BOUND,
  SampleEncoder,
  autoWorkers,
  batchBody,
  batchHead,
  createFleet,
  sampleEnd,
  ensureOpenFiles,
  judgeGenerator,
  openFileLimit,
} from '../src/index.js';
import { planWorkers } from '../src/source-plan.js';
import { BadResponse, ResponseReader } from '../src/transports/http1-response-reader.js';

const text = (s: string) => Buffer.from(s, 'latin1');

describe('HTTP/1.1 response reader', () => {
  it('reads pipelined responses framed by content-length, split anywhere', () => {
    const wire =
      'HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 32\r\n\r\n{"accepted":1,"duplicate":false}' +
      'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nContent-Length: 2\r\n\r\n{}';
    for (let cut = 1; cut < wire.length; cut += 7) {
      const reader = new ResponseReader();
      const out = [...reader.push(text(wire.slice(0, cut))), ...reader.push(text(wire.slice(cut)))];
      expect(out).toEqual([
        { status: 202, retryAfter: undefined, body: '{"accepted":1,"duplicate":false}', close: false },
        { status: 503, retryAfter: '2', body: '{}', close: false },
      ]);
      expect(reader.idle).toBe(true);
    }
  });

  it('reads chunked bodies with extensions and trailers, skips 1xx, and knows 204 has no body', () => {
    const reader = new ResponseReader();
    const out = reader.push(
      text(
        'HTTP/1.1 100 Continue\r\n\r\n' +
          'HTTP/1.1 202 Accepted\r\ntransfer-encoding: chunked\r\n\r\n5;x=y\r\n{"acc\r\n' +
          '4\r\nepte\r\n0\r\ntrailer: 1\r\n\r\n' +
          'HTTP/1.1 204 No Content\r\n\r\n',
      ),
    );
    expect(out.map((r) => [r.status, r.body])).toEqual([
      [202, '{"accepte'],
      [204, ''],
    ]);
  });

  it('honours connection: close and HTTP/1.0, and frames a body by the end of the connection', () => {
    const reader = new ResponseReader();
    expect(
      reader.push(text('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'))[0]
        ?.close,
    ).toBe(true);
    expect(reader.push(text('HTTP/1.0 200 OK\r\n\r\nhello'))).toEqual([]);
    expect(reader.end()).toEqual({ status: 200, retryAfter: undefined, body: 'hello', close: true });
  });

  it('refuses what is not HTTP/1.1', () => {
    expect(() => new ResponseReader().push(text('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(BadResponse);
    expect(() => new ResponseReader().push(text('HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n'))).toThrow(
      /bad content-length/,
    );
    expect(() =>
      new ResponseReader().push(text('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n')),
    ).toThrow(/bad chunk size/);
  });
});

describe('pre-encoded batch bodies', () => {
  it('are what JSON.stringify would write for the simulator values of that second, and contract-valid', () => {
    const start = 1_763_830_000_000;
    const fleet = createFleet({ hosts: 300, seed: 7, startTime: start });
    const encoder = new SampleEncoder(fleet, 100, 200);
    for (const [host, ts] of [
      [100, start + 1234],
      [299, start + 999_999],
      [150, start + 1999],
    ] as const) {
      const second = fleet.sample(host, Math.floor(ts / 1000) * 1000);
      expect(JSON.parse(encoder.sample(host, ts))).toEqual({ ...second, ts });
    }
    const { body } = batchBody(
      batchHead('fleet-7-web-00100'),
      42,
      [encoder.part(100, start), encoder.part(101, start)],
      [sampleEnd(start), sampleEnd(start)],
    );
    const batch = JSON.parse(body.toString('utf8'));
    expect(validateBatch(batch)).toEqual({ ok: true, value: batch });
    expect(batch).toMatchObject({ producer: 'fleet-7-web-00100', seq: 42 });
  });
  it.each([
    [2, 42],
    [20, 70_000], // an array16 header and a uint32 seq
  ])('in MessagePack decode to the same batch as the JSON body (%i samples, seq %i)', (count, seq) => {
    const start = 1_763_830_000_000;
    const fleet = createFleet({ hosts: 300, seed: 7, startTime: start });
    const json = new SampleEncoder(fleet, 100, 200);
    const msgpack = new MsgpackSampleEncoder(fleet, 100, 200);
    const hosts = Array.from({ length: count }, (_, i) => 100 + i * 7);
    const at = (i: number) => start + 1234 + i * 999;
    const jsonBody = batchBody(
      batchHead('fleet-7-web-00100'),
      seq,
      hosts.map((h, i) => json.part(h, at(i))),
      hosts.map((_, i) => sampleEnd(at(i))),
    ).body;
    const { body } = msgpackBatchBody(
      msgpackBatchHead('fleet-7-web-00100'),
      seq,
      hosts.map((h, i) => msgpack.part(h, at(i))),
      hosts.map((_, i) => msgpackSampleEnd(at(i))),
      count,
      { take: (size) => ({ body: Buffer.alloc(size), slab: null }) },
    );
    const expected = JSON.parse(jsonBody.toString('utf8'));
    expect(decodeMsgpack(body)).toEqual({ ok: true, value: expected });
    // the schema-directed reader (the systems' hot path) takes it as it is
    expect(readBatchMsgpack(body)).toEqual(expected);
    expect(body.length).toBeLessThan(jsonBody.length);
  });
});

describe('body pool', () => {
  it('reuses a slab only after every body cut from it was released, never under a live body', () => {
    const pool = new BodyPool();
    const size = 200 * 1024; // five fit in a 1 MiB slab
    const first = Array.from({ length: 5 }, () => pool.take(size));
    first[0]!.body.fill(1);
    const next = pool.take(size); // a second slab: the first is full
    expect(next.slab).not.toBe(first[0]!.slab);
    for (const taken of first.slice(1)) pool.release(taken.slab);
    // one body of the first slab is still live: a third slab, not the first
    const more = Array.from({ length: 5 }, () => pool.take(size));
    expect(more.every((t) => t.slab !== first[0]!.slab)).toBe(true);
    expect(first[0]!.body[0]).toBe(1);
    pool.release(first[0]!.slab);
    // now it is free and comes back
    const reused = Array.from({ length: 6 }, () => pool.take(size));
    expect(reused.some((t) => t.slab === first[0]!.slab)).toBe(true);
  });
});

describe('due heap', () => {
  it('always offers the producer due soonest', () => {
    const heap = new DueHeap<{ nextDue: number; id: number }>();
    const dues = [5, 1, 9, 3, 7, 2, 8];
    for (const [id, nextDue] of dues.entries()) heap.push({ nextDue, id });
    const order: number[] = [];
    for (let i = 0; i < 14; i++) {
      const top = heap.peek()!;
      order.push(top.nextDue);
      top.nextDue += 10;
      heap.updateTop();
    }
    expect(order).toEqual([1, 2, 3, 5, 7, 8, 9, 11, 12, 13, 15, 17, 18, 19]);
  });
});

describe('planning producers', () => {
  const name = (i: number) => `web-${String(i).padStart(5, '0')}`;

  it('gives every host its own producer per host, split over threads', () => {
    const plans = planWorkers('per-host', 10, 3, 'p', name);
    expect(plans.map((p) => p.sources.length)).toEqual([3, 3, 4]);
    expect(plans.flatMap((p) => p.sources.map((s) => s.name))).toEqual(
      Array.from({ length: 10 }, (_, i) => `p-${name(i)}`),
    );
    expect(plans[2]).toMatchObject({ firstHost: 6, hostCount: 4 });
  });

  it('shares hosts over pooled connections, numbered per thread', () => {
    const plans = planWorkers(4, 10, 2, 'p', name);
    expect(plans.flatMap((p) => p.sources.map((s) => [s.name, s.firstHost, s.hostCount]))).toEqual([
      ['p-0-0', 0, 2],
      ['p-0-1', 2, 3],
      ['p-1-0', 5, 2],
      ['p-1-1', 7, 3],
    ]);
  });

  it('picks threads by the work, within the cores and the producers', () => {
    expect(autoWorkers(10_000, 10_000, 2)).toBe(2);
    expect(autoWorkers(1000, 1000, 2)).toBe(1);
    expect(autoWorkers(3, 1_000_000, 8)).toBe(3);
  });
});

describe('generator-bound verdict', () => {
  const lag = (ms: number) => {
    const h = new Histogram();
    for (let i = 0; i < 1000; i++) h.record(ms);
    return h.toSnapshot();
  };
  const quiet = {
    threads: 2,
    cpuPercent: 40,
    eventLoopUtilization: [0.3, 0.4],
    scheduleLag: lag(2),
    missedLate: 0,
  };

  it('is not bound while the schedule is kept', () => {
    expect(judgeGenerator(quiet)).toMatchObject({ bound: false, late: false, reasons: [] });
  });

  it('is bound by a saturated thread or by batches dropped for lateness, and says which', () => {
    const busy = judgeGenerator({ ...quiet, eventLoopUtilization: [0.2, 0.95] });
    expect(busy).toMatchObject({ bound: true, late: false });
    expect(busy.reasons[0]).toContain('busy 95 %');
    const dropped = judgeGenerator({ ...quiet, missedLate: 3 });
    expect(dropped.bound).toBe(true);
    expect(dropped.reasons[0]).toContain('3 batches dropped');
  });

  it('calls an idle but late generator late, not bound: the machine did not give it the CPU', () => {
    const late = judgeGenerator({ ...quiet, scheduleLag: lag(GENERATOR_BOUND.scheduleLagP99Ms * 2) });
    expect(late).toMatchObject({ bound: false, late: true });
    expect(late.reasons[0]).toContain('did not get the CPU in time');
    // late and saturated: bound, with the lag among the reasons
    const both = judgeGenerator({ ...quiet, eventLoopUtilization: [0.99], scheduleLag: lag(200) });
    expect(both).toMatchObject({ bound: true, late: false });
    expect(both.reasons.join(' ')).toContain('schedule lag p99');
  });
});

describe('open files', () => {
  it('reads the limit and says how to raise it when it cannot', () => {
    const limit = openFileLimit();
    expect(limit?.soft).toBeGreaterThan(0);
    expect(ensureOpenFiles(16)).toMatchObject({ ok: true });
    const impossible = ensureOpenFiles(50_000_000); // beyond any fs.nr_open
    expect(impossible.ok).toBe(false);
    // the advice fits the machine: prlimit where the hard limit may be raised, else where to set it
    expect(impossible.advice).toMatch(/prlimit --pid \$\$ --nofile=50000000|--ulimit nofile=N:N/);
    expect(impossible.advice).toContain('--connections <n>');
  });
});
