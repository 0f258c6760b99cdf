// Integration check of System 1's fan-out (the LiveHub's own tests cover the details): windows that
// arrive over Redis pub/sub reach 100 reading viewers while one viewer that stopped reading keeps a
// bounded backlog and has frames skipped (counted in /metrics).
import { connect } from 'node:net';
import { type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import type { Window } from '@ingestlab/metric-schema';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSystem, type TestSystem, testConfig } from './support/system.js';

const CAP = 32 * 1024;
let redis: PrivateRedis;
let system: TestSystem;

beforeAll(async () => {
  redis = await startRedis();
  system = await startSystem(testConfig(redis.url, { LIVE_MAX_BACKLOG_BYTES: String(CAP) }), {
    publish: false,
  });
});
afterAll(async () => {
  await system?.close();
  await redis?.stop();
});

function fakeWindow(start: number, hostNameBytes = 50): Window {
  const stats = { avg: 1, p50: 1, p95: 1, p99: 1, max: 1 };
  return {
    start,
    end: start + 1000,
    samples: 1,
    hosts: 5,
    cpu: stats,
    mem: stats,
    disk: stats,
    netIn: stats,
    netOut: stats,
    top: Array.from({ length: 5 }, (_, i) => ({
      host: `host-${'x'.repeat(hostNameBytes)}-${i}`,
      cpu: 99 - i,
    })),
    pipeline: { accepted: 1, rejected: 0, ingestRate: 1, lagP50: 1, lagP99: 1, queueDepth: 0 },
  };
}

it('keeps a stalled viewer bounded while 100 others receive every window', async () => {
  const port = new URL(system.urls.http1).port;
  // The stalled viewer: a WebSocket handshake on a raw socket that then never reads.
  const stalled = connect({ host: '127.0.0.1', port: Number(port) });
  stalled.write(
    `GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise((resolve) => stalled.once('data', resolve));
  stalled.pause();

  const received = new Array<number>(100).fill(0);
  const viewers = await Promise.all(
    received.map(
      (_, i) =>
        new Promise<WebSocket>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/live`);
          ws.on('message', (data) => {
            if (String(data).startsWith('{"type":"window"')) received[i]! += 1;
          });
          ws.once('open', () => resolve(ws));
        }),
    ),
  );
  await waitUntil(
    () => system.services.hub.viewers === 101,
    10_000,
    () => '101 viewers',
  );

  // Phase 1: ordinary windows reach all 100 readers while the stalled viewer holds its connection.
  const windows = 1000;
  for (let i = 0; i < windows; i += 1) {
    await system.services.store.store(fakeWindow(i * 1000));
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
  }
  await waitUntil(
    () => received.every((n) => n === windows),
    60_000,
    () => `readers got ${Math.min(...received)}/${windows}`,
  );
  const metrics = await fetch(`${system.urls.http1}/metrics`).then((r) => r.text());
  expect(metrics).toContain('ingest_live_viewers{transport="ws",system="http-redis"} 101');
  for (const ws of viewers) ws.close();

  // Phase 2: large frames (about 100 KB) until the stalled viewer's kernel buffers are full: from then
  // on its backlog stays under the cap (plus one frame) and frames are skipped and counted.
  const big = fakeWindow(0, 20_000);
  const frameBytes = JSON.stringify({ type: 'window', window: big }).length;
  for (let i = 0; i < 300 && system.services.hub.droppedFrames < 20; i += 1) {
    await system.services.store.store({ ...big, start: (windows + i) * 1000 });
    await new Promise((r) => setTimeout(r, 2));
  }
  await waitUntil(
    () => system.services.hub.droppedFrames > 0,
    20_000,
    () => 'frames skipped for the stalled viewer',
  );
  const worst = Math.max(...system.services.hub.viewerStats().map((s) => s.backlogBytes));
  expect(worst).toBeLessThanOrEqual(CAP + frameBytes);
  const after = await fetch(`${system.urls.http1}/metrics`).then((r) => r.text());
  expect(after).toMatch(/ingest_live_dropped_frames_total\{system="http-redis"\} [1-9]\d*/);
  stalled.destroy();
});
