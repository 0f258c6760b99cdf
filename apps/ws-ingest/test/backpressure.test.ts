// A producer that sends without ever reading its acks is held back: its connection's read side
// pauses at the in-flight cap, the server's buffered bytes for it stay bounded, and once it reads
// again everything is acked and counted exactly.
import { waitUntil } from '@ingestlab/devkit';
import { describe, expect, it } from 'vitest';
import { batch, connectProducer, makeSamples, startApp } from './helpers.js';

const MAX_IN_FLIGHT = 64;

describe('backpressure', () => {
  it('pauses a producer that never reads acks and keeps server buffers bounded', {
    timeout: 120_000,
  }, async () => {
    const running = await startApp({
      MAX_INFLIGHT_BATCHES: String(MAX_IN_FLIGHT),
      RATE_LIMIT_SAMPLES_PER_SEC: '0',
    });
    try {
      const producer = await connectProducer(running.port);
      // The producer stops reading: acks pile up in the kernel, then in the server, until it pauses.
      (producer.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      await waitUntil(
        () => running.app.connections.open.size === 1,
        10_000,
        () => 'connected',
      );
      const connection = [...running.app.connections.open][0]!;
      const samples = makeSamples(1, 1);
      let seq = 0;
      let maxBuffered = 0;
      // Send in slices so this process's event loop (which also runs the server) keeps turning,
      // until the connection is paused for good (the first pauses may resume while the kernel's
      // socket buffers still absorb acks).
      const pump = async (rounds: number) => {
        for (let round = 0; round < rounds; round += 1) {
          for (let i = 0; i < 2000; i += 1) producer.send(batch('blaster', seq++, samples));
          await new Promise((resolve) => setTimeout(resolve, 5));
          maxBuffered = Math.max(maxBuffered, connection.socket.bufferedAmount);
        }
      };
      let acceptedWhilePaused = -1;
      while (seq < 3_000_000) {
        await pump(5);
        if (!connection.limiter.paused) continue;
        const before = running.app.core.accounting.counters.acceptedSamples;
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (connection.limiter.paused && running.app.core.accounting.counters.acceptedSamples === before) {
          acceptedWhilePaused = before;
          break;
        }
      }
      expect(acceptedWhilePaused).toBeGreaterThan(0);
      // More sending changes nothing on the server: it is not reading.
      await pump(10);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(running.app.core.accounting.counters.acceptedSamples).toBe(acceptedWhilePaused);
      const ackBytes = `{"type":"ack","seq":${seq},"accepted":1,"duplicate":false}`.length;
      // Bound: every in-flight batch's ack, plus those taken from the last socket read (≤ 64 KiB of frames).
      const frameBytes = JSON.stringify(batch('blaster', seq, samples)).length;
      const bound = (MAX_IN_FLIGHT + Math.ceil(65_536 / frameBytes)) * ackBytes;
      expect(maxBuffered).toBeLessThanOrEqual(bound);
      expect(connection.limiter.maxSeen).toBeLessThanOrEqual(MAX_IN_FLIGHT + Math.ceil(65_536 / frameBytes));
      console.log(
        `backpressure: sent ${seq} batches; server took ${acceptedWhilePaused} before pausing; ` +
          `max in flight ${connection.limiter.maxSeen}, max server-side buffered ${maxBuffered} B (bound ${bound} B); ` +
          `producer-side unsent ${producer.socket.bufferedAmount} B`,
      );

      // The producer reads again: everything sent is acked, and counted exactly once.
      (producer.socket as unknown as { _socket: { resume(): void } })._socket.resume();
      await waitUntil(
        () => producer.acked.size === seq,
        90_000,
        () => `all ${seq} acked (${producer.acked.size})`,
      );
      expect(running.app.core.accounting.counters.acceptedSamples).toBe(seq);
      expect(running.app.core.accounting.aggregated).toBe(seq);
      expect(connection.limiter.pauses).toBeGreaterThanOrEqual(1);
    } finally {
      await running.close();
    }
  });
});
