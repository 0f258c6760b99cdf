// The lab's pure parts: load plans and their refusals, rates, the repeated-click limiter, the
// producers' ack history, and the scenarios the lab ships (each must parse and fit the limits).
import { describe, expect, it } from 'vitest';
import { ActionLimiter } from '../src/actions/action-limiter.js';
import { planLoad } from '../src/actions/load-plan.js';
import { loadOptionsFor } from '../src/load/producers-adapter.js';
import { rateIntervalMs } from '../src/load/rate.js';
import { ProducerLedger } from '../src/observe/producer-ledger.js';
import { holdMs, parseScenario, shippedScenarios } from '../src/scenario/scenario-file.js';

const limits = { maxHosts: 20_000, maxSamplesPerSecond: 1_000_000, maxConnections: 19_000 };
const counts = (acknowledged: number) => ({
  sent: acknowledged,
  acknowledged,
  refused: 0,
  failed: 0,
  missed: 0,
  retries: 0,
  inFlight: 0,
});

describe('planLoad', () => {
  it('gives both systems the same fleet, System 1 its HTTP transport and System 2 ws', () => {
    const plan = planLoad({ type: 'load', system: 'both', hosts: 10_000, transport: 'h2c' }, limits, 1000);
    expect(plan).toEqual({
      ok: true,
      requests: {
        s1: { hosts: 10_000, rate: '1/s', batch: 1, transport: 'h2c', connections: 'per-host' },
        s2: { hosts: 10_000, rate: '1/s', batch: 1, transport: 'ws', connections: 'per-host' },
      },
    });
    const burst = planLoad({ type: 'load', system: 's1', hosts: 5, forS: 30 }, limits, 1000);
    expect(burst.ok && burst.requests.s1?.until).toBe(31_000);
  });

  it('passes end-to-end acknowledgements to System 2 only, through the adapter to runLoad', () => {
    const plan = planLoad({ type: 'load', system: 'both', hosts: 10, endToEnd: true }, limits, 1000);
    expect(plan.ok && plan.requests.s2?.endToEnd).toBe(true);
    expect(plan.ok && plan.requests.s1 && 'endToEnd' in plan.requests.s1).toBe(false);
    expect(planLoad({ type: 'load', system: 's1', hosts: 5, endToEnd: true }, limits)).toMatchObject({
      ok: false,
      status: 400,
      field: '/endToEnd',
    });
    const spec = {
      target: 'ws' as const,
      url: 'ws://127.0.0.1:1',
      hosts: 10,
      intervalMs: 1000,
      batch: 1,
      connections: 'per-host' as const,
      seed: 7,
      producerPrefix: 'lab-t',
      startTime: 0,
      incidents: [],
    };
    const signal = new AbortController().signal;
    expect(loadOptionsFor({ ...spec, endToEnd: true }, signal).endToEnd).toBe(true);
    expect(loadOptionsFor({ ...spec, endToEnd: false }, signal).endToEnd).toBeUndefined();
  });

  it('refuses with 400 a transport the system does not speak', () => {
    expect(planLoad({ type: 'load', system: 's1', hosts: 5, transport: 'ws' }, limits)).toMatchObject({
      ok: false,
      status: 400,
      field: '/transport',
    });
    expect(planLoad({ type: 'load', system: 's2', hosts: 5, transport: 'h2' }, limits)).toMatchObject({
      ok: false,
      status: 400,
      field: '/transport',
    });
  });

  it('refuses with 422 and the limit a fleet beyond the lab', () => {
    expect(planLoad({ type: 'load', system: 'both', hosts: 20_001 }, limits)).toMatchObject({
      ok: false,
      status: 422,
      field: '/hosts',
      limit: { hosts: 20_000 },
    });
    expect(planLoad({ type: 'load', system: 's1', hosts: 19_500 }, limits)).toMatchObject({
      status: 422,
      field: '/connections',
      limit: { connections: 19_000 },
    });
    // pooled, the same fleet fits
    expect(planLoad({ type: 'load', system: 's1', hosts: 19_500, connections: 64 }, limits).ok).toBe(true);
    expect(
      planLoad({ type: 'load', system: 's1', hosts: 20_000, rate: '100/s', connections: 8 }, limits),
    ).toMatchObject({
      status: 422,
      field: '/rate',
      limit: { samplesPerSecond: 1_000_000 },
    });
  });
});

describe('rates', () => {
  it('reads the per-host rates the API takes', () => {
    expect(rateIntervalMs('1/s')).toBe(1000);
    expect(rateIntervalMs('2/s')).toBe(500);
    expect(rateIntervalMs('10/m')).toBe(6000);
    expect(rateIntervalMs('1/500ms')).toBe(500);
    expect(rateIntervalMs('1/5s')).toBe(5000);
    expect(() => rateIntervalMs('fast')).toThrow(/not a rate/);
  });
});

describe('ActionLimiter', () => {
  it('refuses the same action again within the repeat window, with when to retry', () => {
    const limiter = new ActionLimiter({ repeatMs: 2000 });
    const kill = { type: 'fault', fault: 'kill-worker' } as const;
    expect(limiter.take(kill, 10_000)).toEqual({ ok: true });
    const again = limiter.take(kill, 10_500);
    expect(again).toMatchObject({ ok: false, retryAfterS: 2 });
    // another action is fine, and the same one after the window
    expect(limiter.take({ type: 'fault', fault: 'kill-s2' }, 10_600).ok).toBe(true);
    expect(limiter.take(kill, 12_001).ok).toBe(true);
  });

  it('refuses a burst of different actions beyond its budget', () => {
    const limiter = new ActionLimiter({ burst: 3, burstWindowMs: 10_000 });
    for (let hosts = 1; hosts <= 3; hosts++)
      expect(limiter.take({ type: 'load', system: 's1', hosts }, 1000 + hosts).ok).toBe(true);
    expect(limiter.take({ type: 'load', system: 's1', hosts: 4 }, 1005)).toMatchObject({ ok: false });
    expect(limiter.take({ type: 'load', system: 's1', hosts: 4 }, 11_002).ok).toBe(true);
  });
});

describe('ProducerLedger', () => {
  it('tells how many were acknowledged by a past moment, across load-host lives', () => {
    const ledger = new ProducerLedger();
    ledger.report(1000, counts(0), 1, 0, []);
    ledger.report(2000, counts(100), 1, 0, [[1500, 4]]);
    expect(ledger.acknowledgedAt(1500)).toBe(50);
    expect(ledger.acknowledgedAt(2500)).toBeNull();
    expect(ledger.acknowledgedAt(500)).toBeNull();
    ledger.newLife();
    ledger.report(3000, counts(10), 1, 0, []);
    expect(ledger.totals().acknowledged).toBe(110);
    expect(ledger.acknowledgedAt(2500)).toBe(105);
    expect(ledger.probeLatencies(0)).toEqual([4]);
  });
});

describe('scenarios', () => {
  it('ships three that parse and whose loads fit the default limits', () => {
    const shipped = shippedScenarios();
    expect(shipped.map((s) => s.name).sort()).toEqual(['fleet-10000', 'redis-vs-s2-crash', 'worker-crash']);
    for (const { yaml } of shipped) {
      for (const step of parseScenario(yaml).steps) {
        for (const action of step.do ?? [])
          if (action.type === 'load') expect(planLoad(action, limits).ok).toBe(true);
      }
    }
  });

  it('names the line of bad YAML and the field of a bad step', () => {
    expect(() => parseScenario('name: [')).toThrow(/not valid YAML/);
    expect(() => parseScenario('name: x\ntitle: X\nsteps:\n  - title: a\n    hold: soon\n')).toThrow(
      /steps\/0\/hold/,
    );
    expect(holdMs('2m')).toBe(120_000);
    expect(holdMs(3)).toBe(3000);
  });
});
