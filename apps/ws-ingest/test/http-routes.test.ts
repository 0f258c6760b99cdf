// The HTTP side: health, readiness, stats shape, metrics, history range validation, CORS.
import { validateStats } from '@ingestlab/metric-schema';
import { waitUntil } from '@ingestlab/devkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, batch, connectProducer, makeSamples, startApp } from './helpers.js';

let running: RunningApp | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

describe('HTTP routes', () => {
  it('serves /healthz, /readyz and a contract-shaped /stats', async () => {
    running = await startApp();
    expect((await fetch(running.url('/healthz'))).status).toBe(200);
    expect((await fetch(running.url('/readyz'))).status).toBe(200);
    const stats = await running.stats();
    expect(validateStats(stats).ok).toBe(true);
    expect(stats).toMatchObject({ system: 'ws-memory', accepted: 0, aggregated: 0, queueDepth: 0 });
  });

  it('validates ?range= strictly and serves closed windows', { timeout: 30_000 }, async () => {
    running = await startApp({ WINDOW_MS: '100' });
    const fallback = (await (await fetch(running.url('/api/history'))).json()) as { range: string };
    expect(fallback.range).toBe('5m');
    for (const bad of ['?range=', '?range=2m', '?range=5M', '?range=5m&range=1m', '?range=1h%00']) {
      const response = await fetch(running.url(`/api/history${bad}`));
      expect(response.status, bad).toBe(400);
      const body = (await response.json()) as { error: string; code: string };
      expect(body.error, bad).toMatch(/range/);
      expect(body.code, bad).toBe('ERR_BAD_REQUEST');
    }
    const producer = await connectProducer(running.port);
    producer.send(batch('h', 1, makeSamples(4, 1)));
    await waitUntil(
      async () => {
        const body = (await (await fetch(running!.url('/api/history?range=1m'))).json()) as {
          windows: { samples: number }[];
        };
        return body.windows.some((w) => w.samples === 4);
      },
      10_000,
      () => 'the window with 4 samples in history',
    );
    const body = (await (await fetch(running.url('/api/history?range=1m'))).json()) as {
      range: string;
      windowMs: number;
      windows: { start: number; end: number }[];
    };
    expect(body.range).toBe('1m');
    expect(body.windowMs).toBe(100);
    for (let i = 1; i < body.windows.length; i += 1)
      expect(body.windows[i]!.start).toBe(body.windows[i - 1]!.end);
  });

  it('exposes Prometheus metrics for connections, frames, samples, acks, nacks, lag, viewers, drops', async () => {
    running = await startApp();
    const producer = await connectProducer(running.port);
    producer.send(batch('m', 1, makeSamples(3, 1)));
    producer.send({ producer: 'm', seq: 2, samples: [] });
    await waitUntil(
      () => producer.answers.length === 2,
      10_000,
      () => 'answers',
    );
    const text = await (await fetch(running.url('/metrics'))).text();
    for (const line of [
      'ingest_open_connections{system="ws-memory"} 1',
      'ingest_connections_opened_total{system="ws-memory"} 1',
      'ingest_frames_total{system="ws-memory"} 2',
      'ingest_accepted_samples_total{system="ws-memory"} 3',
      'ingest_acks_total{system="ws-memory"} 1',
      'ingest_nacks_total{system="ws-memory"} 1',
      'ingest_rejected_batches_total{reason="invalid",system="ws-memory"} 1',
      'ingest_live_viewers{transport="ws",system="ws-memory"} 0',
      'ingest_live_dropped_frames_total{system="ws-memory"} 0',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/nodejs_eventloop_lag_seconds/);
  });

  it('allows CORS only for configured origins', async () => {
    running = await startApp({ CORS_ORIGINS: 'http://dash.example:8080' });
    const allowed = await fetch(running.url('/stats'), { headers: { origin: 'http://dash.example:8080' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://dash.example:8080');
    const denied = await fetch(running.url('/stats'), { headers: { origin: 'http://evil.example' } });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });
});
