// LiveHub over real sockets: frame order, identical WS/SSE frames, heartbeat, close codes.
import { validateDashboardFrame } from '@ingestlab/metric-schema';
import { waitUntil } from '@ingestlab/devkit';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveHub } from '../src/index.js';
import { type LiveServer, makeWindow, sseViewer, startLiveServer, wsViewer } from './helpers.js';

let server: LiveServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('LiveHub', () => {
  it('sends hello, then the snapshot, then windows, to WebSocket and SSE viewers alike', async () => {
    const history = [makeWindow(1000), makeWindow(2000)];
    server = await startLiveServer({ snapshot: () => history });
    const ws = await wsViewer(server.port);
    const sse = await sseViewer(server.port);
    expect(sse.response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(sse.response.headers['cache-control']).toBe('no-cache');
    expect(sse.response.headers['x-accel-buffering']).toBe('no');
    await waitUntil(
      () => ws.frames.length === 2 && sse.frames.length === 2,
      10_000,
      () => 'hello + snapshot',
    );
    server.hub.publish(makeWindow(3000));
    server.hub.publish(makeWindow(4000));
    await waitUntil(
      () => ws.frames.length === 4 && sse.frames.length === 4,
      10_000,
      () => 'two windows',
    );

    const frames = ws.parsed();
    expect(frames.map((f) => f.type)).toEqual(['hello', 'snapshot', 'window', 'window']);
    expect(frames[0]).toEqual({ type: 'hello', system: 'ws-memory', protocol: 1, windowMs: 1000 });
    expect(frames[1]).toEqual({ type: 'snapshot', windows: history });
    expect((frames[3] as unknown as { window: { start: number } }).window.start).toBe(4000);
    for (const frame of frames) expect(validateDashboardFrame(frame).ok).toBe(true);
    // Byte-identical payloads on both transports: the frame is encoded once.
    expect(sse.frames).toEqual(ws.frames);
    expect(server.hub.stats()).toMatchObject({
      viewers: 2,
      wsViewers: 1,
      sseViewers: 1,
      published: 2,
      droppedFrames: 0,
    });
  });

  it('holds windows published while an async snapshot loads, without repeating what the snapshot holds', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const history = [makeWindow(1000)];
    server = await startLiveServer({
      snapshot: async () => {
        await gate;
        return [...history];
      },
    });
    const ws = await wsViewer(server.port);
    await waitUntil(
      () => ws.frames.length === 1 && server!.hub.viewers === 1,
      10_000,
      () => 'hello',
    );
    // 2000 is published and also lands in the history the snapshot returns; 3000 only goes live.
    history.push(makeWindow(2000));
    server.hub.publish(makeWindow(2000));
    server.hub.publish(makeWindow(3000));
    release();
    await waitUntil(
      () => ws.frames.length === 3,
      10_000,
      () => 'snapshot and held window',
    );
    const frames = ws.parsed();
    expect(frames.map((f) => f.type)).toEqual(['hello', 'snapshot', 'window']);
    expect((frames[1] as unknown as { windows: unknown[] }).windows).toHaveLength(2);
    expect((frames[2] as unknown as { window: { start: number } }).window.start).toBe(3000);
  });

  it('sends a heartbeat when nothing else was sent for heartbeatMs', async () => {
    server = await startLiveServer({ heartbeatMs: 200 });
    const ws = await wsViewer(server.port);
    const sse = await sseViewer(server.port);
    await waitUntil(
      () =>
        ws.parsed().some((f) => f.type === 'heartbeat') && sse.parsed().some((f) => f.type === 'heartbeat'),
      10_000,
      () => 'a heartbeat on both transports',
    );
    const beat = ws.parsed().find((f) => f.type === 'heartbeat')!;
    expect(validateDashboardFrame(beat).ok).toBe(true);
    expect(Math.abs((beat.ts as number) - Date.now())).toBeLessThan(10_000);
  });

  it('ignores messages from viewers (read-only) and keeps them connected', async () => {
    server = await startLiveServer();
    const ws = await wsViewer(server.port);
    ws.socket.send('{"type":"subscribe"}');
    ws.socket.send(Buffer.from([1, 2, 3]));
    server.hub.publish(makeWindow(1000));
    await waitUntil(
      () => ws.frames.length === 3,
      10_000,
      () => 'window after viewer messages',
    );
    expect(ws.socket.readyState).toBe(ws.socket.OPEN);
  });

  it('closes WebSocket viewers with 1001 and ends SSE streams on close, also through app.close()', async () => {
    server = await startLiveServer();
    const ws = await wsViewer(server.port);
    const sse = await sseViewer(server.port);
    await waitUntil(
      () => server!.hub.viewers === 2,
      10_000,
      () => 'two viewers',
    );
    await server.close();
    server = null;
    const closed = await ws.closed;
    expect(closed.code).toBe(1001);
    await sse.closed;
  });

  it('terminates WebSocket viewers that stop answering pings', async () => {
    server = await startLiveServer({ pingIntervalMs: 100 });
    const ws = await wsViewer(server.port);
    await waitUntil(
      () => server!.hub.viewers === 1,
      10_000,
      () => 'viewer',
    );
    // Pausing the client's socket stops it reading pings, so no pong goes back.
    (ws.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await waitUntil(
      () => server!.hub.stats().deadViewersTerminated === 1,
      10_000,
      () => 'dead viewer terminated',
    );
    expect(server.hub.viewers).toBe(0);
  });

  it('refuses bad options with a precise message', () => {
    expect(() => new LiveHub({ system: 'ws-memory', windowMs: 0, snapshot: () => [] })).toThrow(
      /windowMs must be a positive number/,
    );
  });
});
