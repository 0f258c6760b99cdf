import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveHub, loadSharedConfig, type ServedSystem, ServingMetrics, serving } from '../src/index.js';
import { idleSystem } from './support/idle-system.js';

function system(overrides: Partial<ServedSystem> = {}) {
  const config = loadSharedConfig({});
  const order: string[] = [];
  const hub = createLiveHub('ws-memory', config, () => []);
  const closeHub = hub.close.bind(hub);
  hub.close = async () => {
    order.push('hub closed');
    await closeHub();
  };
  const { system: served, counts } = idleSystem(config, {
    hub,
    drain: async () => {
      order.push('drained');
    },
    ...overrides,
  });
  return { served, config, counts, order };
}

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function build(overrides: Partial<ServedSystem> = {}) {
  const parts = system(overrides);
  app = Fastify();
  const metrics = new ServingMetrics(parts.served, { defaultMetrics: false });
  await app.register(serving, { system: parts.served, config: parts.config, metrics });
  app.get('/boom', async () => {
    throw new Error('secret detail');
  });
  await app.ready();
  return { app, ...parts };
}

describe('serving core', () => {
  it('answers health and readiness, and 503 with the reason when not ready', async () => {
    const { app } = await build({ readiness: () => ({ status: 'not ready', reason: 'redis away' }) });
    const health = await app.inject('/healthz');
    expect([health.statusCode, health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await app.inject('/readyz');
    expect([ready.statusCode, ready.json()]).toEqual([503, { status: 'not ready', reason: 'redis away' }]);
  });

  it('serves history for 5m by default and refuses a bogus or repeated range with ERR_BAD_REQUEST', async () => {
    const { app } = await build();
    expect((await app.inject('/api/history')).json()).toEqual({ range: '5m', windowMs: 1000, windows: [] });
    for (const query of ['?range=2m', '?range=5m&range=1m', '?range=']) {
      const answer = await app.inject(`/api/history${query}`);
      expect(answer.statusCode, query).toBe(400);
      expect(answer.json(), query).toMatchObject({
        code: 'ERR_BAD_REQUEST',
        error: expect.stringMatching(/range/),
      });
    }
  });

  it('answers 503 with retry-after and ERR_UNAVAILABLE when the system cannot count or read history', async () => {
    const away = () => {
      throw new Error('redis away');
    };
    const { app } = await build({ stats: away, history: away });
    for (const path of ['/stats', '/api/history']) {
      const answer = await app.inject(path);
      expect(answer.statusCode, path).toBe(503);
      expect(answer.headers['retry-after'], path).toBe('1');
      expect(answer.json().code, path).toBe('ERR_UNAVAILABLE');
      expect(answer.body, path).not.toContain('redis away');
    }
  });

  it('answers unknown paths with ERR_NOT_FOUND and keeps 5xx details in the log', async () => {
    const { app } = await build();
    expect((await app.inject('/nope?x=1')).json()).toEqual({
      error: 'no route for GET /nope',
      code: 'ERR_NOT_FOUND',
    });
    const boom = await app.inject('/boom');
    expect([boom.statusCode, boom.json()]).toEqual([500, { error: 'internal error', code: 'ERR_INTERNAL' }]);
  });

  it('exposes the shared families with the system label, read at scrape time', async () => {
    const { app, counts } = await build();
    counts.acceptedSamples = 7;
    counts.rejectedBatches.invalid = 2;
    const text = (await app.inject('/metrics')).body;
    expect(text).toContain('ingest_accepted_samples_total{system="ws-memory"} 7');
    expect(text).toContain('ingest_rejected_batches_total{reason="invalid",system="ws-memory"} 2');
    expect(text).toContain('ingest_live_viewers{transport="sse",system="ws-memory"} 0');
    expect(text).toContain('ingest_live_dropped_frames_total{system="ws-memory"} 0');
  });

  it('drains the system before it sends the viewers away', async () => {
    const built = await build();
    app = null;
    await built.app.close();
    const { order } = built;
    expect(order).toEqual(['drained', 'hub closed']);
  });
});
