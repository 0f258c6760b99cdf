// The core path on real sockets: batches over HTTP/1.1, h2c, h2 over TLS (and HTTP/1.1 over TLS) are
// acknowledged, folded by a worker and published in windows; acked = accepted = aggregated.
import { once } from 'node:events';
import { connect as connectH2 } from 'node:http2';
import { type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import type { Stats, Window } from '@ingestlab/metric-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FoldWorker } from '../src/worker/fold-worker.js';
import { batch } from './support/batches.js';
import { http1Client, http2Client, type IngestClient, postUntilAcked } from './support/clients.js';
import { drainedStats, startSystem, startWorker, type TestSystem, testConfig } from './support/system.js';

let redis: PrivateRedis;
let system: TestSystem;
let worker: FoldWorker;

beforeAll(async () => {
  redis = await startRedis();
  system = await startSystem(testConfig(redis.url, { WINDOW_MS: '250' }));
  worker = startWorker(system.config);
});
afterAll(async () => {
  await worker?.close();
  await system?.close();
  await redis?.stop();
});

describe('HTTP/2 flow control', () => {
  it.each(['h2c', 'tls'] as const)(
    'advertises a 1 MiB stream window on %s so batched producers do not stall',
    async (listener) => {
      const session = connectH2(system.urls[listener], { rejectUnauthorized: false });
      try {
        const [settings] = (await once(session, 'remoteSettings')) as [{ initialWindowSize?: number }];
        expect(settings.initialWindowSize).toBe(1024 * 1024);
      } finally {
        session.close();
      }
    },
  );
});

async function stats(): Promise<Stats> {
  return JSON.parse((await fetch(`${system.urls.http1}/stats`).then((r) => r.text())) as string) as Stats;
}

describe('the path of a batch', () => {
  it('reaches published windows from every protocol, with acked = accepted = aggregated', async () => {
    const clients: [string, IngestClient][] = [
      ['http1', http1Client(system.urls.http1)],
      ['h2c', http2Client(system.urls.h2c)],
      ['h2', http2Client(system.urls.tls, { ca: system.tls.cert })],
      ['https1', http1Client(system.urls.tls, { ca: system.tls.cert })],
    ];
    let acked = 0;
    await Promise.all(
      clients.map(async ([name, client]) => {
        const sends = Array.from({ length: 40 }, async (_, seq) => {
          const answer = await postUntilAcked(client, JSON.stringify(batch(`prod-${name}`, seq, 5)));
          expect(answer.duplicate).toBe(false);
          acked += answer.accepted;
        });
        await Promise.all(sends);
      }),
    );
    expect(acked).toBe(4 * 40 * 5);
    const s = await drainedStats({ stats }, 30_000); // over HTTP: the /stats route is under test too
    expect(s).toMatchObject({ accepted: acked, aggregated: acked, rejected: 0, duplicates: 0, producers: 4 });
    // Every aggregated sample shows up in exactly one published window.
    let windows: Window[] = [];
    await waitUntil(
      async () => {
        const body = (await fetch(`${system.urls.http1}/api/history?range=1m`).then((r) => r.json())) as {
          windows: Window[];
        };
        windows = body.windows;
        return windows.reduce((sum, w) => sum + w.samples, 0) === acked;
      },
      15_000,
      () => `windows holding ${acked} samples (have ${windows.reduce((sum, w) => sum + w.samples, 0)})`,
    );
    const starts = windows.map((w) => w.start);
    expect(new Set(starts).size).toBe(starts.length);
    expect(windows.every((w) => w.end - w.start === 250)).toBe(true);
    const busy = windows.find((w) => w.samples > 0)!;
    expect(busy.cpu).not.toBeNull();
    expect(busy.pipeline.accepted).toBe(busy.samples);
    // Requests were counted under their real protocol.
    const metrics = await fetch(`${system.urls.http1}/metrics`).then((r) => r.text());
    for (const protocol of ['http1', 'h2c', 'h2', 'https1']) {
      expect(metrics).toMatch(
        new RegExp(
          `ingest_http_requests_total\\{protocol="${protocol}",route="/ingest",status="202",system="http-redis"\\} 40`,
        ),
      );
    }
    expect(metrics).toMatch(/ingest_windows_published_total\{system="http-redis"\} \d+/);
    expect(metrics).toContain('ingest_accepted_samples_total{system="http-redis"} 800');
    await Promise.all(clients.map(([, c]) => c.close()));
  });

  it('serves hello, snapshot and live windows over /live and /live/sse', async () => {
    const ws = new WebSocket(`${system.urls.http1.replace('http', 'ws')}/live`);
    const frames: { type: string; window?: Window }[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    const sse = await fetch(`${system.urls.http1}/live/sse`);
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = sse.body!.getReader();
    let sseText = '';
    const client = http1Client(system.urls.http1);
    await waitUntil(
      () => frames.length >= 2,
      10_000,
      () => 'hello and snapshot',
    );
    expect(frames[0]).toMatchObject({ type: 'hello', system: 'http-redis', protocol: 1, windowMs: 250 });
    expect(frames[1]!.type).toBe('snapshot');
    await postUntilAcked(client, JSON.stringify(batch('live-prod', 1, 7)));
    await waitUntil(
      () => frames.some((f) => f.type === 'window' && f.window!.samples === 7),
      10_000,
      () => 'a window with the 7 samples',
    );
    while (!sseText.includes('"type":"window"')) {
      const { value } = await reader.read();
      sseText += new TextDecoder().decode(value);
    }
    expect(sseText).toMatch(/^data: \{"type":"hello"/);
    await reader.cancel();
    ws.close();
    await client.close();
  });
});

describe('several replicas', () => {
  it('publish each window exactly once', async () => {
    const second = await startSystem({ ...system.config }, { listen: false });
    const third = await startSystem({ ...system.config }, { listen: false });
    try {
      const before =
        system.services.counts.windowsPublished +
        second.services.counts.windowsPublished +
        third.services.counts.windowsPublished;
      await new Promise((r) => setTimeout(r, 3000));
      const published =
        system.services.counts.windowsPublished +
        second.services.counts.windowsPublished +
        third.services.counts.windowsPublished -
        before;
      const history = await system.services.store.history(200);
      const starts = history.map((w) => w.start);
      expect(new Set(starts).size).toBe(starts.length);
      // Consecutive: no window skipped, none twice, whichever replica closed it.
      for (let i = 1; i < starts.length; i += 1) expect(starts[i]! - starts[i - 1]!).toBe(250);
      expect(published).toBeGreaterThanOrEqual(8);
    } finally {
      await second.close();
      await third.close();
    }
  });
});
