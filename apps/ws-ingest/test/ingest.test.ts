// The ingest socket against the contract: acks, duplicates, every refusal kind with its nack or
// close code while another producer keeps streaming with exact counts, and token enforcement.
import { waitUntil } from '@ingestlab/devkit';
import { MAX_PAYLOAD_BYTES, SUBPROTOCOLS, encodeMsgpack, parseBatch } from '@ingestlab/metric-schema';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, batch, connectProducer, makeSamples, startApp } from './helpers.js';

let running: RunningApp | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

describe('ingest socket', () => {
  it('acks each batch with its seq and counts samples once, duplicates included', async () => {
    running = await startApp();
    const producer = await connectProducer(running.port);
    producer.send(batch('p-1', 0, makeSamples(3, 1)));
    producer.send(batch('p-1', 1, makeSamples(5, 2)));
    producer.send(batch('p-1', 0, makeSamples(3, 1)));
    await waitUntil(
      () => producer.answers.length === 3,
      10_000,
      () => 'three answers',
    );
    expect(producer.answers).toEqual([
      { type: 'ack', seq: 0, accepted: 3, duplicate: false },
      { type: 'ack', seq: 1, accepted: 5, duplicate: false },
      { type: 'ack', seq: 0, accepted: 3, duplicate: true },
    ]);
    const stats = await running.stats();
    expect(stats).toMatchObject({
      system: 'ws-memory',
      accepted: 8,
      aggregated: 8,
      duplicates: 1,
      rejected: 0,
      producers: 1,
      queueDepth: 0,
    });
  });

  it('validates before the duplicate check: an invalid batch with a known seq is nacked, not acked', async () => {
    running = await startApp();
    const producer = await connectProducer(running.port);
    producer.send(batch('p-1', 7, makeSamples(1, 1)));
    producer.send({ producer: 'p-1', seq: 7, samples: [{ ...makeSamples(1, 1)[0]!, cpu: 101 }] });
    await waitUntil(
      () => producer.answers.length === 2,
      10_000,
      () => 'two answers',
    );
    const nack = producer.answers[1]!;
    expect(nack).toMatchObject({ type: 'nack', seq: 7 });
    expect(nack.type === 'nack' && nack.error).toMatch(/\/samples\/0\/cpu/);
    expect((await running.stats()).duplicates).toBe(0);
  });

  it('answers every bad frame kind per the contract while another producer keeps streaming exactly', {
    timeout: 60_000,
  }, async () => {
    running = await startApp();
    const port = running.port;
    const good = await connectProducer(port);
    let seq = 0;
    let sentSamples = 0;
    let streaming = true;
    const pump = (async () => {
      while (streaming) {
        const samples = makeSamples(10, seq);
        good.send(batch('steady', seq, samples));
        sentSamples += samples.length;
        seq += 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    // Schema-invalid: nack with details, connection stays open.
    const invalid = await connectProducer(port);
    invalid.send({ producer: 'bad', seq: 1, samples: [] });
    invalid.send(JSON.stringify({ producer: 'bad', seq: 2, samples: makeSamples(1, 1), extra: true }));
    invalid.send(
      JSON.stringify({ producer: 'bad', seq: 3, samples: [{ ...makeSamples(1, 1)[0]!, cpu: '5' }] }),
    );
    await waitUntil(
      () => invalid.answers.length === 3,
      10_000,
      () => 'three nacks',
    );
    expect(invalid.answers.map((a) => [a.type, a.seq])).toEqual([
      ['nack', 1],
      ['nack', 2],
      ['nack', 3],
    ]);
    for (const answer of invalid.answers)
      expect(answer.type === 'nack' && answer.details?.length).toBeGreaterThan(0);
    expect(invalid.socket.readyState).toBe(invalid.socket.OPEN);

    // Non-JSON text: nack, then close 1003.
    const notJson = await connectProducer(port);
    notJson.send('{"producer": "x", "seq": 1,');
    expect((await notJson.closed).code).toBe(1003);
    expect(notJson.answers[0]).toMatchObject({ type: 'nack', seq: null });

    // Binary: close 1003.
    const binary = await connectProducer(port);
    binary.send(Buffer.from(JSON.stringify(batch('bin', 1, makeSamples(1, 1)))));
    expect((await binary.closed).code).toBe(1003);

    // Invalid UTF-8 in a text frame: close 1007 (sent raw, since ws clients refuse to build it).
    const utf8 = await connectProducer(port);
    utf8.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await utf8.closed).code).toBe(1007);

    // Over 1 MiB: close 1009.
    const big = await connectProducer(port);
    big.send('x'.repeat(MAX_PAYLOAD_BYTES + 1));
    expect((await big.closed).code).toBe(1009);

    streaming = false;
    await pump;
    await waitUntil(
      () => good.acked.size === seq,
      20_000,
      () => `all ${seq} steady batches acked (${good.acked.size})`,
    );
    expect(good.socket.readyState).toBe(good.socket.OPEN);
    expect(good.answers.every((a) => a.type === 'ack')).toBe(true);
    const stats = await running.stats();
    expect(stats.accepted).toBe(sentSamples);
    expect(stats.aggregated).toBe(sentSamples);
    // 3 invalid + not JSON + binary + bad UTF-8 + too large.
    await waitUntil(
      async () => (await running!.stats()).rejected === 7,
      10_000,
      () => 'rejected = 7',
    );
  });

  it('speaks MessagePack on ingestlab.msgpack: acks in MessagePack, refusals by the same rules, others unharmed', {
    timeout: 60_000,
  }, async () => {
    running = await startApp();
    const port = running.port;
    const good = await connectProducer(port, { encoding: 'msgpack' });
    expect(good.socket.protocol).toBe(SUBPROTOCOLS.msgpack);
    const plain = await connectProducer(port);
    for (let seq = 0; seq < 20; seq += 1) {
      good.send(batch('binary', seq, makeSamples(10, seq)));
      plain.send(batch('text', seq, makeSamples(10, seq)));
    }
    // a repeat: acked again as a duplicate, counted once
    good.send(batch('binary', 3, makeSamples(10, 3)));

    // MessagePack that is not a batch: a nack with JSON's reasons, the socket stays open
    const invalid = await connectProducer(port, { encoding: 'msgpack' });
    invalid.send({ producer: 'bad', seq: 1, samples: [] });
    invalid.send(Buffer.from(encodeMsgpack({ ...batch('bad', 2, makeSamples(1, 1)), extra: true })));
    await waitUntil(
      () => invalid.answers.length === 2,
      10_000,
      () => 'two nacks',
    );
    expect(invalid.answers.map((a) => [a.type, a.seq])).toEqual([
      ['nack', 1],
      ['nack', 2],
    ]);
    const asJson = parseBatch(JSON.stringify({ producer: 'bad', seq: 1, samples: [] }));
    expect(invalid.answers[0]).toMatchObject({ error: asJson.ok ? 'accepted?' : asJson.error });
    expect(invalid.socket.readyState).toBe(invalid.socket.OPEN);

    // bytes that are not acceptable MessagePack: a nack, then close 1007
    const truncated = await connectProducer(port, { encoding: 'msgpack' });
    truncated.send(Buffer.from(encodeMsgpack(batch('cut', 1, makeSamples(5, 1)))).subarray(0, 40));
    expect((await truncated.closed).code).toBe(1007);
    expect(truncated.answers[0]).toMatchObject({ type: 'nack', seq: null });
    const extension = await connectProducer(port, { encoding: 'msgpack' });
    extension.send(Buffer.from([0xd4, 0x72, 0x00]));
    expect((await extension.closed).code).toBe(1007);
    expect(extension.answers[0]).toMatchObject({ type: 'nack', error: expect.stringMatching(/extension/) });

    // a text frame on a MessagePack socket: close 1003
    const text = await connectProducer(port, { encoding: 'msgpack' });
    text.send(JSON.stringify(batch('t', 1, makeSamples(1, 1))));
    expect((await text.closed).code).toBe(1003);

    await waitUntil(
      () => good.answers.length === 21 && plain.acked.size === 20,
      20_000,
      () => `answers: binary ${good.answers.length}, text ${plain.acked.size}`,
    );
    expect(good.answers.every((a) => a.type === 'ack')).toBe(true);
    expect(good.answers[20]).toEqual({ type: 'ack', seq: 3, accepted: 10, duplicate: true });
    expect(good.socket.readyState).toBe(good.socket.OPEN);
    const stats = await running.stats();
    expect(stats).toMatchObject({ accepted: 400, aggregated: 400, duplicates: 1 });
    // 2 invalid + truncated + extension + text frame
    await waitUntil(
      async () => (await running!.stats()).rejected === 5,
      10_000,
      () => 'rejected = 5',
    );
    const metrics = await (await fetch(running.url('/metrics'))).text();
    expect(metrics).toMatch(/ingest_rejected_batches_total\{[^}]*reason="not-msgpack"[^}]*\} 3/);
  });

  it('enforces INGEST_TOKEN by header or query, closing a wrong one with 1008', async () => {
    running = await startApp({ INGEST_TOKEN: 'classroom-secret' });
    const byHeader = await connectProducer(running.port, { token: 'classroom-secret' });
    const byQuery = await connectProducer(running.port, { query: '?token=classroom-secret' });
    byHeader.send(batch('h', 1, makeSamples(1, 1)));
    byQuery.send(batch('q', 1, makeSamples(2, 1)));
    await waitUntil(
      () => byHeader.acked.size === 1 && byQuery.acked.size === 1,
      10_000,
      () => 'both acked',
    );

    const wrong = await connectProducer(running.port, { token: 'classroom-secreT' });
    expect((await wrong.closed).code).toBe(1008);
    const missing = await connectProducer(running.port);
    expect((await missing.closed).code).toBe(1008);
    const wrongQuery = await connectProducer(running.port, { query: '?token=nope' });
    expect((await wrongQuery.closed).code).toBe(1008);
    const stats = await running.stats();
    expect(stats).toMatchObject({ accepted: 3, rejected: 3 });
  });

  it('nacks a producer over its rate with retryAfterMs and counts it as rejected', async () => {
    running = await startApp({ RATE_LIMIT_SAMPLES_PER_SEC: '100' });
    const producer = await connectProducer(running.port);
    // The bucket holds max(2 s of rate, one full batch) = 1000 samples.
    producer.send(batch('fast', 1, makeSamples(1000, 1)));
    producer.send(batch('fast', 2, makeSamples(500, 2)));
    await waitUntil(
      () => producer.answers.length === 2,
      10_000,
      () => 'two answers',
    );
    expect(producer.answers[0]).toMatchObject({ type: 'ack', seq: 1, accepted: 1000 });
    expect(producer.answers[1]).toMatchObject({ type: 'nack', seq: 2 });
    const nack = producer.answers[1]!;
    expect(nack.type === 'nack' && nack.retryAfterMs).toBeGreaterThan(1000);
    expect(await running.stats()).toMatchObject({ accepted: 1000, rejected: 1 });
  });

  it('terminates ingest sockets that stop answering pings', async () => {
    running = await startApp({ PING_INTERVAL_MS: '100' });
    const producer = await connectProducer(running.port);
    await waitUntil(
      () => running!.app.connections.open.size === 1,
      10_000,
      () => 'connected',
    );
    (producer.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await waitUntil(
      () => running!.app.connections.open.size === 0,
      10_000,
      () => 'terminated',
    );
  });
});
