// The simulator: repeatable for a seed, contract-valid values, and incidents visible in the data.
import { validateBatch } from '@ingestlab/metric-schema';
import { describe, expect, it } from 'vitest';
import { DEMO_SCHEDULE, createBatchStream, createFleet } from '../src/index.js';

const START = 1_763_830_000_000;

describe('createFleet', () => {
  it('gives the same samples for the same seed, and different ones for another seed', () => {
    const take = (seed: number) => {
      const fleet = createFleet({ hosts: 200, seed, startTime: START, incidents: DEMO_SCHEDULE });
      return Array.from({ length: 200 }, (_, i) => fleet.sample(i, START + i * 997));
    };
    expect(take(7)).toEqual(take(7));
    expect(take(8)).not.toEqual(take(7));
  });

  it('does not depend on call order, so workers splitting hosts see one fleet', () => {
    const a = createFleet({ hosts: 100, seed: 5, startTime: START });
    const b = createFleet({ hosts: 100, seed: 5, startTime: START });
    const forward = [10, 20, 30].map((i) => a.sample(i, START + 5000));
    const backward = [30, 20, 10].map((i) => b.sample(i, START + 5000)).reverse();
    expect(backward).toEqual(forward);
  });

  it('names hosts like web-00017 and produces batches valid per validateBatch over a long stretch', () => {
    const fleet = createFleet({
      hosts: 1000,
      seed: 7,
      startTime: START,
      incidents: DEMO_SCHEDULE,
      dayMs: 600_000,
    });
    expect(fleet.hostName(17)).toBe('web-00017');
    const stream = createBatchStream({ fleet, producer: 'fleet-7-0-0', batchSize: 100 });
    let seq = -1;
    // 600 batches of 100 = 60,000 samples across ten simulated days and five incident cycles
    for (let i = 0; i < 600; i++) {
      const batch = stream.next(START + i * 1000 + 0.7);
      const verdict = validateBatch(batch);
      if (!verdict.ok) throw new Error(verdict.error);
      expect(batch.seq).toBe(seq + 1);
      seq = batch.seq;
      expect(Number.isInteger(batch.samples[0]!.ts)).toBe(true);
    }
  });

  it('shows the demo CPU spike on a subset of hosts and a network storm', () => {
    const fleet = createFleet({ hosts: 500, seed: 7, startTime: START, incidents: DEMO_SCHEDULE });
    const avg = (ts: number, pick: (s: ReturnType<typeof fleet.sample>) => number) => {
      let sum = 0;
      for (let i = 0; i < 500; i++) sum += pick(fleet.sample(i, ts));
      return sum / 500;
    };
    const calm = START + 10_000;
    const spike = START + 40_000; // cpu-spike runs 30–50 s
    const storm = START + 97_000; // network storm 90–105 s
    expect(fleet.activeIncidents(calm)).toEqual([]);
    expect(fleet.activeIncidents(spike).map((i) => i.kind)).toEqual(['cpu-spike']);
    const hot = Array.from({ length: 500 }, (_, i) => fleet.sample(i, spike).cpu - fleet.sample(i, calm).cpu);
    const spiking = hot.filter((d) => d > 30).length;
    expect(spiking).toBeGreaterThan(20); // about 10 % of 500
    expect(spiking).toBeLessThan(100);
    expect(avg(storm, (s) => s.netIn)).toBeGreaterThan(2 * avg(calm, (s) => s.netIn));
  });

  it('correlates memory with CPU and fills disks slowly', () => {
    const fleet = createFleet({ hosts: 300, seed: 2, startTime: START, dayMs: 86_400_000 });
    const cpu: number[] = [];
    const mem: number[] = [];
    for (let i = 0; i < 300; i++) {
      const s = fleet.sample(i, START + 12 * 3_600_000);
      cpu.push(s.cpu);
      mem.push(s.mem);
    }
    expect(correlation(cpu, mem)).toBeGreaterThan(0.3);
    const early = fleet.sample(4, START + 60_000).disk;
    const later = fleet.sample(4, START + 2 * 3_600_000).disk;
    expect(later).toBeGreaterThan(early);
    expect(later - early).toBeLessThan(5);
  });

  it('refuses bad options with a reason', () => {
    expect(() => createFleet({ hosts: 0 })).toThrow(/hosts must be/);
    expect(() => createFleet({ hostPrefix: 'bad name' })).toThrow(/hostPrefix/);
    expect(() => createFleet({ hosts: 3 }).sample(3, 0)).toThrow(/outside/);
  });
});

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}
