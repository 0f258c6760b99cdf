// A viewer that stops reading must not grow the server's memory past the backlog cap, while 100
// others keep receiving every frame; a viewer behind for too long is disconnected.
import { waitUntil } from '@ingestlab/devkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LiveServer,
  type RecordingViewer,
  makeWindow,
  startLiveServer,
  wsViewer,
  sseViewer,
} from './helpers.js';

let server: LiveServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const CAP = 256 * 1024;
const FRAME_PADDING = 64 * 1024;

describe('slow viewers', () => {
  it('caps a paused WebSocket viewer and a paused SSE viewer while 100 others get every frame', {
    timeout: 120_000,
  }, async () => {
    server = await startLiveServer({ maxBacklogBytes: CAP, slowViewerTimeoutMs: 600_000 });
    const hub = server.hub;
    const fast: RecordingViewer[] = [];
    for (let i = 0; i < 100; i += 1) fast.push(await wsViewer(server.port));
    const slowWs = await wsViewer(server.port);
    const slowSse = await sseViewer(server.port);
    await waitUntil(
      () => hub.viewers === 102 && fast.every((v) => v.frames.length === 2),
      20_000,
      () => 'viewers joined',
    );
    (slowWs.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    slowSse.response.pause();

    const frameBytes = JSON.stringify(makeWindow(0, FRAME_PADDING)).length + 20;
    let maxBacklog = 0;
    let published = 0;
    // Publish until both slow viewers have had frames skipped (the kernel's socket buffers fill
    // first), pacing on the fast viewers so they are never the slow ones.
    while (published < 1000) {
      hub.publish(makeWindow(published * 1000, FRAME_PADDING));
      published += 1;
      const target = published + 2;
      await waitUntil(
        () => fast.every((v) => v.frames.length === target),
        30_000,
        () => `fast viewers at frame ${target}`,
      );
      for (const viewer of hub.viewerStats()) maxBacklog = Math.max(maxBacklog, viewer.backlogBytes);
      const slow = hub.viewerStats().filter((v) => v.droppedFrames > 0);
      if (slow.length === 2 && slow.every((v) => v.droppedFrames >= 5)) break;
    }
    const stats = hub.viewerStats();
    const slowStats = stats.filter((v) => v.droppedFrames > 0);
    expect(slowStats.map((v) => v.transport).sort()).toEqual(['sse', 'ws']);
    // The bound: a frame is written only below the cap, so a backlog never exceeds cap + one frame.
    expect(maxBacklog).toBeLessThanOrEqual(CAP + frameBytes);
    for (const v of slowStats) expect(v.backlogBytes).toBeLessThanOrEqual(CAP + frameBytes);
    // Every fast viewer received every frame, none skipped.
    for (const v of fast) expect(v.frames.length).toBe(published + 2);
    expect(stats.filter((v) => v.droppedFrames === 0)).toHaveLength(100);
    expect(hub.droppedFrames).toBe(slowStats.reduce((sum, v) => sum + v.droppedFrames, 0));
    console.log(
      `slow-viewer: ${published} frames of ${frameBytes} B; max server backlog ${maxBacklog} B (cap ${CAP}); dropped ${hub.droppedFrames}`,
    );
  });

  it('disconnects a viewer that stays over the cap for slowViewerTimeoutMs', {
    timeout: 60_000,
  }, async () => {
    server = await startLiveServer({
      maxBacklogBytes: 16 * 1024,
      slowViewerTimeoutMs: 300,
      pingIntervalMs: 600_000,
    });
    const hub = server.hub;
    const slow = await wsViewer(server.port);
    const ok = await wsViewer(server.port);
    await waitUntil(
      () => hub.viewers === 2,
      10_000,
      () => 'viewers',
    );
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    let n = 0;
    await waitUntil(
      () => {
        hub.publish(makeWindow(n++ * 1000, 64 * 1024));
        return hub.stats().slowViewersClosed === 1;
      },
      40_000,
      () => 'slow viewer closed',
      20,
    );
    expect(hub.viewers).toBe(1);
    await waitUntil(
      () => ok.frames.length === n + 2,
      20_000,
      () => 'fast viewer got everything',
    );
  });
});
