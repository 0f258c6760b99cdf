// Configuration at boot, graceful shutdown (acks flushed, 1001 on ingest and live sockets), and a
// live viewer that stops reading while others keep receiving through the real app.
import { waitUntil } from '@ingestlab/devkit';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConfigError, DASHBOARD_ORIGINS } from '@ingestlab/serving';
import { loadConfig } from '../src/config.js';
import { batch, connectProducer, makeSamples, startApp } from './helpers.js';

describe('configuration', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3003,
      host: '127.0.0.1',
      ingestToken: null,
      windowMs: 1000,
      pingIntervalMs: 30_000,
    });
    expect(config.corsOrigins).toEqual(DASHBOARD_ORIGINS);
  });

  it('fails boot with a precise message for a bad variable', () => {
    expect(() => loadConfig({ WS_PORT: '70000' })).toThrow(
      new ConfigError('WS_PORT must be an integer from 0 to 65535, got "70000"'),
    );
    expect(() => loadConfig({ WINDOW_MS: '1s' })).toThrow(/WINDOW_MS must be an integer/);
    expect(() => loadConfig({ DUPLICATE_HORIZON_MS: '1000' })).toThrow(
      /DUPLICATE_HORIZON_MS must be an integer from 600000/,
    );
    expect(() => loadConfig({ CORS_ORIGINS: 'http://a.example/path' })).toThrow(/bare origins/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
    expect(() => loadConfig({ INGEST_TOKEN: 'has space' })).toThrow(
      /INGEST_TOKEN must be 1 to 256 visible ASCII/,
    );
  });
});

describe('shutdown and live viewers', () => {
  it('graceful close answers every batch already read, then closes ingest and live sockets with 1001', {
    timeout: 60_000,
  }, async () => {
    const running = await startApp();
    const producer = await connectProducer(running.port);
    const viewer = new WebSocket(`ws://127.0.0.1:${running.port}/live`);
    const viewerClosed = new Promise<number>((resolve) => viewer.once('close', (code) => resolve(code)));
    await new Promise((resolve) => viewer.once('open', resolve));
    for (let seq = 0; seq < 500; seq += 1) producer.send(batch('bye', seq, makeSamples(5, seq)));
    await waitUntil(
      () => producer.answers.length > 0,
      10_000,
      () => 'first ack',
    );
    await running.close();
    expect((await producer.closed).code).toBe(1001);
    expect(await viewerClosed).toBe(1001);
    // What the server counted is exactly what the producer saw acked: no ack lost in the close.
    const acked = [...producer.acked.values()].reduce((sum, a) => sum + a.accepted, 0);
    expect(running.app.core.accounting.counters.acceptedSamples).toBe(acked);
  });

  it('keeps a paused live viewer under the backlog cap while other viewers receive every window', {
    timeout: 60_000,
  }, async () => {
    const cap = 16 * 1024;
    const running = await startApp({ WINDOW_MS: '100', LIVE_MAX_BACKLOG_BYTES: String(cap) });
    try {
      const hub = running.app.core.hub;
      const open = (url: string) =>
        new Promise<{ socket: WebSocket; frames: string[] }>((resolve) => {
          const socket = new WebSocket(url);
          const frames: string[] = [];
          socket.on('message', (d) => frames.push(String(d)));
          socket.once('open', () => resolve({ socket, frames }));
        });
      const url = `ws://127.0.0.1:${running.port}/live`;
      const others = await Promise.all(Array.from({ length: 10 }, () => open(url)));
      const slow = await open(url);
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      // Real windows are ~1.5 KB at 10 per second: hours to fill the kernel's socket buffers. So
      // the test publishes large frames straight into the app's hub, paced so the others keep up.
      await waitUntil(
        () => running.app.core.ring.length > 0,
        10_000,
        () => 'a closed window',
      );
      const template = running.app.core.ring.latest(1)[0]!;
      const frameBytes = 64 * 1024;
      let maxBacklog = 0;
      let n = 0;
      while (hub.droppedFrames < 3 && n < 2000) {
        hub.publish({ ...template, start: -1 - n, padding: 'x'.repeat(frameBytes) } as typeof template);
        n += 1;
        for (const v of hub.viewerStats()) maxBacklog = Math.max(maxBacklog, v.backlogBytes);
        const target = n;
        await waitUntil(
          () => others.every((o) => o.frames.filter((f) => f.includes('"padding"')).length >= target),
          20_000,
          () => 'other viewers keep up',
          5,
        );
      }
      expect(hub.droppedFrames).toBeGreaterThanOrEqual(3);
      expect(maxBacklog).toBeLessThanOrEqual(cap + frameBytes + 2048);
      const stats = hub.viewerStats();
      expect(stats.filter((v) => v.droppedFrames > 0)).toHaveLength(1);
    } finally {
      await running.close();
    }
  });
});
