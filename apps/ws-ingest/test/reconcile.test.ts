// End-to-end accounting: many producer connections, exact reconciliation of what producers saw
// acked against /stats, and the published window against @ingestlab/aggregation offline.
import { aggregateOffline, msUntilWindowEnd, windowStartFor } from '@ingestlab/aggregation';
import { waitUntil } from '@ingestlab/devkit';
import {
  decodeMsgpack,
  type Encoding,
  type Sample,
  SUBPROTOCOLS,
  type Window,
  validateDashboardFrame,
} from '@ingestlab/metric-schema';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { batch, connectProducer, makeSamples, startApp } from './helpers.js';

/**
 * Windows are assigned by server-side arrival time, which a test cannot know per sample. So the
 * test uses a window long enough that the whole run lands in one (the candidate with the most time
 * left), and compares that window with the offline aggregate of every sample sent.
 */
function longWindow(): number {
  const candidates = [3_600_000, 3_000_000, 2_700_000];
  return candidates.reduce((best, ms) =>
    msUntilWindowEnd(Date.now(), ms) > msUntilWindowEnd(Date.now(), best) ? ms : best,
  );
}

describe.each<Encoding>(['json', 'msgpack'])('reconciliation, producers speaking %s', (encoding) => {
  it('25 producers: acked samples = /stats.accepted = /stats.aggregated, and the window equals the offline aggregate', {
    timeout: 120_000,
  }, async () => {
    const windowMs = longWindow();
    const running = await startApp({ WINDOW_MS: String(windowMs), MAX_INFLIGHT_BATCHES: '16' });
    const viewerFrames: string[] = [];
    const viewer = new WebSocket(`ws://127.0.0.1:${running.port}/live`);
    viewer.on('message', (data) => viewerFrames.push(String(data)));
    const viewerClosed = new Promise<number>((resolve) => viewer.once('close', (code) => resolve(code)));
    await new Promise((resolve) => viewer.once('open', resolve));
    // a second viewer asks for MessagePack frames: it must receive the same windows
    const binaryFrames: Buffer[] = [];
    const binaryViewer = new WebSocket(`ws://127.0.0.1:${running.port}/live`, [SUBPROTOCOLS.msgpack]);
    binaryViewer.on('message', (data) => binaryFrames.push(data as Buffer));
    const binaryViewerClosed = new Promise<number>((resolve) =>
      binaryViewer.once('close', (code) => resolve(code)),
    );
    await new Promise((resolve) => binaryViewer.once('open', resolve));

    const PRODUCERS = 25;
    const BATCHES = 60;
    const sent: Sample[] = [];
    const producers = await Promise.all(
      Array.from({ length: PRODUCERS }, () => connectProducer(running.port, { encoding })),
    );
    const t0 = Date.now();
    producers.forEach((producer, p) => {
      // Sent without waiting for acks: pipelining is the point of the socket.
      for (let seq = 0; seq < BATCHES; seq += 1) {
        const samples = makeSamples(1 + ((p + seq) % 40), p * 1000 + seq, 300, t0);
        sent.push(...samples);
        producer.send(batch(`fleet-${p}`, seq, samples));
        // Every tenth batch is sent twice: acked again, counted once.
        if (seq % 10 === 0) producer.send(batch(`fleet-${p}`, seq, samples));
      }
    });
    await waitUntil(
      () => producers.every((producer) => producer.answers.length === BATCHES + BATCHES / 10),
      60_000,
      () => 'every batch answered',
    );
    let ackedSamples = 0;
    let duplicateAcks = 0;
    for (const producer of producers) {
      for (const answer of producer.answers) {
        expect(answer.type).toBe('ack');
        if (answer.type !== 'ack') continue;
        if (answer.duplicate) duplicateAcks += 1;
        else ackedSamples += answer.accepted;
      }
    }
    const stats = await running.stats();
    expect(ackedSamples).toBe(sent.length);
    expect(stats.accepted).toBe(ackedSamples);
    expect(stats.aggregated).toBe(ackedSamples);
    expect(stats.duplicates).toBe(duplicateAcks);
    expect(stats.producers).toBe(PRODUCERS);

    // Graceful close publishes the open window, then says 1001 to the viewer.
    await running.close();
    expect(await viewerClosed).toBe(1001);
    expect(await binaryViewerClosed).toBe(1001);
    const frames = viewerFrames.map((f) => JSON.parse(f));
    for (const frame of frames) expect(validateDashboardFrame(frame).ok).toBe(true);
    expect(binaryFrames.map((bytes) => decodeMsgpack(bytes))).toEqual(
      frames.map((value) => ({ ok: true, value })),
    );
    const windows: Window[] = frames.filter((f) => f.type === 'window').map((f) => f.window);
    const total = windows.reduce((sum, w) => sum + w.samples, 0);
    expect(total).toBe(sent.length);
    const full = windows.filter((w) => w.samples > 0);
    if (full.length !== 1) {
      console.warn(`run straddled a window boundary (${full.length} windows): compared totals only`);
      return;
    }
    const served = full[0]!;
    expect(served.start).toBe(windowStartFor(t0, windowMs));
    const offline = aggregateOffline(sent, served.start, windowMs, {
      publishedAt: Date.now(),
      queueDepth: 0,
    });
    // Every statistic is identical; lag depends on the publication instant, so it is left out.
    const { pipeline: servedPipeline, ...servedStats } = served;
    const { pipeline: offlinePipeline, ...offlineStats } = offline;
    expect(servedStats).toEqual(offlineStats);
    expect(servedPipeline.accepted).toBe(offlinePipeline.accepted);
    expect(servedPipeline.rejected).toBe(0);
  });
});
