// The whole path through the real nginx (nginx/ templates) to the real systems started from source:
// HTTP/2 over TLS ingest to System 1's two replicas, a WebSocket producer to System 2, /live viewers
// over WebSocket and SSE, and exact reconciliation: producers' acks = /stats accepted = aggregated.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCert, startDashboardNginx, startFrontDoor } from '../../scripts/lib/front-door.js';
import { ChildGroup, freePort, waitUntil } from '@ingestlab/devkit';
import { missingApps, produce, startSystems } from './apps.js';
import { readSse } from './clients.js';

const missing1 = missingApps('system1');
const missing2 = missingApps('system2');
const skipReason = (missing: string[]) =>
  missing.length ? ` (skipped: not written yet: ${missing.join(', ')})` : '';
const group = new ChildGroup();
let http = '';
let https = '';
let certFile = '';

interface Stats {
  system: string;
  accepted: number;
  aggregated: number;
  rejected: number;
  duplicates: number;
  queueDepth: number;
}

async function stats(url: string): Promise<Stats> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as Stats;
}

/** Collects /live frames over WebSocket through the proxy until `done` says enough. */
function liveFrames(url: string, done: (frames: { type: string; [k: string]: unknown }[]) => boolean) {
  const collected = new Promise<{ type: string; [k: string]: unknown }[]>((resolve, reject) => {
    const frames: { type: string; [k: string]: unknown }[] = [];
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`${url}: ${frames.length} frames (${frames.map((f) => f.type).join(',')}) in 60 s`));
    }, 60_000);
    socket.onmessage = (event) => {
      frames.push(JSON.parse(String(event.data)));
      if (done(frames)) {
        clearTimeout(timer);
        socket.close();
        resolve(frames);
      }
    };
    socket.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`${url}: WebSocket error`));
    };
  });
  // Awaited later by the test; a failure before that must not surface as an unhandled rejection.
  collected.catch(() => {});
  return collected;
}

const hasWindowWithSamples = (frames: { type: string; [k: string]: unknown }[]) =>
  frames.some((f) => f.type === 'window' && ((f.window as { samples?: number })?.samples ?? 0) > 0);

describe.skipIf(missing1.length > 0 && missing2.length > 0)('full stack through nginx', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ingestlab-stack-test-'));
    chmodSync(dir, 0o755);
    group.onStop(() => rmSync(dir, { recursive: true, force: true }));
    const { cert, key } = ensureDevCert(join(dir, 'certs'));
    certFile = cert;
    const systems = await startSystems(group, {
      system1: missing1.length === 0,
      system2: missing2.length === 0,
    });
    // A missing system's pool points at a closed port: its tests are skipped anyway.
    const closed = `127.0.0.1:${await freePort()}`;
    const www = join(dir, 'www');
    mkdirSync(www, { mode: 0o755 });
    writeFileSync(join(www, 'index.html'), '<!doctype html><title>ingestlab</title>');
    const dashPort = await freePort();
    await startDashboardNginx(group, { port: dashPort, root: www });
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    await startFrontDoor(group, {
      httpPort,
      httpsPort,
      system1: systems.system1.length ? systems.system1.map((port) => `127.0.0.1:${port}`) : [closed],
      system2: [systems.system2 === null ? closed : `127.0.0.1:${systems.system2}`],
      dashboard: `127.0.0.1:${dashPort}`,
      cert,
      key,
    });
    http = `http://127.0.0.1:${httpPort}`;
    https = `https://127.0.0.1:${httpsPort}`;
  }, 180_000);

  afterAll(async () => {
    await group.stop();
  });

  it.skipIf(missing1.length > 0)(`System 1 answers through the proxy${skipReason(missing1)}`, async () => {
    expect((await fetch(`${http}/s1/healthz`)).status).toBe(200);
    expect((await fetch(`${http}/s1/readyz`)).status).toBe(200);
    expect((await stats(`${http}/s1/stats`)).system).toBe('http-redis');
    expect((await fetch(`${http}/`)).status).toBe(200);
  });

  it.skipIf(missing2.length > 0)(`System 2 answers through the proxy${skipReason(missing2)}`, async () => {
    expect((await fetch(`${http}/s2/healthz`)).status).toBe(200);
    expect((await fetch(`${http}/s2/readyz`)).status).toBe(200);
    expect((await stats(`${http}/s2/stats`)).system).toBe('ws-memory');
  });

  it.skipIf(missing1.length > 0)(
    `System 1: h2 over TLS through nginx, live viewers see it, nothing lost${skipReason(missing1)}`,
    async () => {
      expect(readFileSync(certFile, 'utf8')).toContain('BEGIN CERTIFICATE');
      const before = await stats(`${http}/s1/stats`);
      const ws = liveFrames(`${http.replace('http', 'ws')}/s1/live`, hasWindowWithSamples);
      const sse = readSse(`${http}/s1/live/sse`, 2, 60_000);
      sse.catch(() => {});
      const summary = await produce(group, 'producer-h2', [
        ...['--target', 'h2', '--url', `${https}/s1`, '--ca', certFile],
        ...['--hosts', '60', '--rate', '10/s', '--batch', '5', '--duration', '4s', '--seed', '11'],
      ]);
      expect(summary.samples.sent).toBeGreaterThan(0);
      expect(summary.samples.failed + summary.samples.refused).toBe(0);
      expect(summary.samples.acknowledged).toBe(summary.samples.sent);
      const gained = summary.samples.acknowledged - summary.samples.duplicates;
      await waitUntil(
        async () => {
          const now = await stats(`${http}/s1/stats`);
          return now.queueDepth === 0 && now.aggregated - before.aggregated === gained;
        },
        60_000,
        () => `System 1 to aggregate ${gained} samples`,
      );
      const after = await stats(`${http}/s1/stats`);
      expect(after.accepted - before.accepted).toBe(gained);
      expect(after.aggregated).toBe(after.accepted);
      const frames = await ws;
      expect(frames[0]).toMatchObject({ type: 'hello', system: 'http-redis' });
      const events = (await sse).map((data) => JSON.parse(data) as { type: string });
      expect(events[0]?.type).toBe('hello');
    },
  );

  it.skipIf(missing2.length > 0)(
    `System 2: WebSocket producer through nginx, live viewers see it, nothing lost${skipReason(missing2)}`,
    async () => {
      const before = await stats(`${http}/s2/stats`);
      const ws = liveFrames(`${http.replace('http', 'ws')}/s2/live`, hasWindowWithSamples);
      const sse = readSse(`${http}/s2/live/sse`, 2, 60_000);
      sse.catch(() => {});
      const summary = await produce(group, 'producer-ws', [
        ...['--target', 'ws', '--url', `${http.replace('http', 'ws')}/s2`],
        ...['--hosts', '60', '--rate', '10/s', '--batch', '5', '--duration', '4s', '--seed', '12'],
      ]);
      expect(summary.samples.sent).toBeGreaterThan(0);
      expect(summary.samples.failed + summary.samples.refused).toBe(0);
      expect(summary.samples.acknowledged).toBe(summary.samples.sent);
      const gained = summary.samples.acknowledged - summary.samples.duplicates;
      await waitUntil(
        async () => {
          const now = await stats(`${http}/s2/stats`);
          return now.aggregated - before.aggregated === gained;
        },
        60_000,
        () => `System 2 to aggregate ${gained} samples`,
      );
      const after = await stats(`${http}/s2/stats`);
      expect(after.accepted - before.accepted).toBe(gained);
      expect(after.aggregated).toBe(after.accepted);
      const frames = await ws;
      expect(frames[0]).toMatchObject({ type: 'hello', system: 'ws-memory' });
      const events = (await sse).map((data) => JSON.parse(data) as { type: string });
      expect(events[0]?.type).toBe('hello');
    },
  );
});
