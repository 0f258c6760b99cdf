// Dashboard frames and /stats are validated by the dashboard and the comparison runner.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type Window, validateDashboardFrame, validateStats } from '../src/index.js';

const emptyWindow: Window = {
  start: 1000,
  end: 2000,
  samples: 0,
  hosts: 0,
  cpu: null,
  mem: null,
  disk: null,
  netIn: null,
  netOut: null,
  top: [],
  pipeline: { accepted: 0, rejected: 0, ingestRate: 0, lagP50: null, lagP99: null, queueDepth: 0 },
};

describe('validateDashboardFrame', () => {
  it('accepts each frame type of the contract', () => {
    const frames = [
      { type: 'hello', system: 'ws-memory', protocol: PROTOCOL_VERSION, windowMs: 1000 },
      { type: 'snapshot', windows: [emptyWindow] },
      {
        type: 'window',
        window: { ...emptyWindow, samples: 1, hosts: 1, cpu: { avg: 1, p50: 1, p95: 1, p99: 1, max: 1 } },
      },
      { type: 'heartbeat', ts: Date.now() },
    ];
    for (const frame of frames) expect(validateDashboardFrame(frame).ok).toBe(true);
  });

  it('refuses an unknown type and an unknown system', () => {
    expect(validateDashboardFrame({ type: 'gossip' }).ok).toBe(false);
    expect(validateDashboardFrame({ type: 'hello', system: 'kafka', protocol: 1, windowMs: 1000 }).ok).toBe(
      false,
    );
  });

  it('refuses a window whose top list is longer than five', () => {
    const top = Array.from({ length: 6 }, (_, i) => ({ host: `h${i}`, cpu: i }));
    expect(validateDashboardFrame({ type: 'window', window: { ...emptyWindow, top } }).ok).toBe(false);
  });
});

describe('validateStats', () => {
  it('accepts the contract example and refuses a negative count', () => {
    const stats = {
      system: 'http-redis',
      accepted: 123400,
      aggregated: 123400,
      rejected: 12,
      duplicates: 3,
      producers: 100,
      queueDepth: 0,
      uptimeMs: 61234,
    };
    expect(validateStats(stats).ok).toBe(true);
    expect(validateStats({ ...stats, accepted: -1 }).ok).toBe(false);
  });
});

describe('evaluating no code where a page may forbid it', () => {
  it('validates frames and /stats without new Function, so a strict Content-Security-Policy allows it', () => {
    const original = globalThis.Function;
    const forbidden = new Proxy(original, {
      construct() {
        throw new EvalError('new Function is forbidden here (CSP)');
      },
      apply() {
        throw new EvalError('Function() is forbidden here (CSP)');
      },
    });
    globalThis.Function = forbidden;
    try {
      expect(validateDashboardFrame({ type: 'heartbeat', ts: 1 }).ok).toBe(true);
      expect(validateDashboardFrame({ type: 'hello', system: 'kafka', protocol: 1, windowMs: 1 }).ok).toBe(
        false,
      );
    } finally {
      globalThis.Function = original;
    }
  });
});
