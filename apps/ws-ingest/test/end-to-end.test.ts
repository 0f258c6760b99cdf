// End-to-end acknowledgements (DATA_DIR set, `/ingest?commit=1`) through the real app on port 0 and
// a real data directory: the greeting, acks naming their window, commit frames after the durable
// watermark, replays judged against it after a restart, the watermark file missing, corrupt or
// unwritable, and classic connections that see exactly today's frames. Crashes of the real process
// (kill -9, and the two test-hook crash points) are in load-tests/faults/system2-crash.test.ts.
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@ingestlab/devkit';
import type { AckFrame } from '@ingestlab/metric-schema';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WATERMARK_FILE } from '../src/durable/watermark-file.js';
import { type RunningApp, batch, connectProducer, makeSamples, startApp } from './helpers.js';

const WINDOW_MS = 200;
let running: RunningApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const app of running) await app.close();
  running = [];
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-ingest-e2e-'));
  dirs.push(dir);
  return dir;
}

/** Log lines at warn and above, parsed. */
function capturedLogger() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger: logger as unknown as FastifyBaseLogger, lines };
}

async function start(dir: string | null, extra: Record<string, string> = {}, logger?: FastifyBaseLogger) {
  const env: Record<string, string> = { WINDOW_MS: String(WINDOW_MS), ...extra };
  if (dir) env.DATA_DIR = dir;
  const app = await startApp(env, logger ? { logger } : {});
  running.push(app);
  return app;
}

const readState = (dir: string) => JSON.parse(readFileSync(join(dir, WATERMARK_FILE), 'utf8'));

async function ackOf(producer: Awaited<ReturnType<typeof connectProducer>>, seq: number, count = 1) {
  await waitUntil(
    () => producer.answers.filter((a) => a.seq === seq).length >= count,
    10_000,
    () => `answer ${count} for seq ${seq} (have ${JSON.stringify(producer.answers)})`,
  );
  return producer.answers.filter((a) => a.seq === seq)[count - 1] as AckFrame;
}

/** The upgrade's refusal: status and JSON body. */
function refusal(
  url: string,
  protocols: string[] = [],
): Promise<{ status: number; body: { error: string; code: string } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols);
    socket.once('open', () => reject(new Error('upgraded')));
    socket.once('error', () => {});
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}

describe('end-to-end acknowledgements', () => {
  it('greets with the server life, acks name their window, and a commit follows its durable publication', async () => {
    const dir = dataDir();
    const app = await start(dir);
    const producer = await connectProducer(app.port, { query: '?commit=1' });
    await waitUntil(
      () => producer.commits.length === 1,
      5000,
      () => 'greeting',
    );
    const greeting = producer.commits[0]!;
    expect(greeting).toMatchObject({ type: 'commit', upTo: null });
    expect(greeting.epoch).toBe(app.app.core.endToEnd?.book.epoch);
    const before = Date.now();
    producer.send(batch('e2e-1', 0, makeSamples(4, 1)));
    const ack = await ackOf(producer, 0);
    expect(ack).toMatchObject({ type: 'ack', seq: 0, accepted: 4, duplicate: false });
    // the window the batch was folded into: aligned, and open when it arrived
    expect(ack.windowEnd! % WINDOW_MS).toBe(0);
    expect(ack.windowEnd!).toBeGreaterThan(before);
    await waitUntil(
      () => producer.commits.some((c) => c.upTo !== null && c.upTo >= ack.windowEnd!),
      5000,
      () => `a commit covering ${ack.windowEnd} (have ${JSON.stringify(producer.commits)})`,
    );
    const commit = producer.commits.find((c) => c.upTo !== null && c.upTo >= ack.windowEnd!)!;
    expect(commit.epoch).toBe(greeting.epoch);
    // written before it was published: the file already holds at least that watermark, and the window
    const state = readState(dir);
    expect(state.current.epoch).toBe(greeting.epoch);
    expect(state.current.upTo).toBeGreaterThanOrEqual(commit.upTo!);
    const published = app.app.core.ring.latest().find((w) => w.end === ack.windowEnd);
    expect(published?.samples).toBe(4);
    // commits go only where something acknowledged is not yet covered: at most one per window with acks
    const sent = producer.commits.length;
    await new Promise((r) => setTimeout(r, WINDOW_MS * 4));
    expect(producer.commits.length).toBe(sent);
  });

  it('a classic connection on the same server gets exactly the classic frames', async () => {
    const app = await start(dataDir());
    const classic = await connectProducer(app.port);
    const explicit = await connectProducer(app.port, { query: '?commit=0' });
    classic.send(batch('classic-1', 0, makeSamples(2, 1)));
    explicit.send(batch('classic-2', 0, makeSamples(2, 1)));
    await ackOf(classic, 0);
    await ackOf(explicit, 0);
    await waitUntil(
      () => app.app.core.ring.latest().some((w) => w.samples === 4),
      5000,
      () => 'the window published',
    );
    await new Promise((r) => setTimeout(r, WINDOW_MS * 2));
    for (const producer of [classic, explicit]) {
      expect(producer.answers).toEqual([{ type: 'ack', seq: 0, accepted: 2, duplicate: false }]);
      expect(producer.commits).toEqual([]);
    }
  });

  it('refuses commit=1 without DATA_DIR, and a commit value that is not 0 or 1, before the upgrade', async () => {
    const classicOnly = await start(null);
    const off = await refusal(`ws://127.0.0.1:${classicOnly.port}/ingest?commit=1`);
    expect(off.status).toBe(400);
    expect(off.body).toEqual({
      error: 'end-to-end acknowledgements (commit=1) are off: this server has no DATA_DIR',
      code: 'ERR_BAD_REQUEST',
    });
    const withDir = await start(dataDir());
    const bad = await refusal(`ws://127.0.0.1:${withDir.port}/ingest?commit=yes`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('commit must be 1 (end-to-end acknowledgements) or 0, got "yes"');
    // commit and replay frames have no MessagePack form yet: refused, not mixed
    const binary = await refusal(`ws://127.0.0.1:${withDir.port}/ingest?commit=1`, ['ingestlab.msgpack']);
    expect(binary.status).toBe(400);
    expect(binary.body.error).toBe(
      'end-to-end acknowledgements (commit=1) are JSON only: connect without the ingestlab.msgpack subprotocol',
    );
    expect((await classicOnly.stats()).rejected).toBe(1);
  });

  it('a plain resend names the window of its first copy, then the watermark once that is published', async () => {
    // one-second windows: the two back-to-back sends land in one window's life
    const app = await start(dataDir(), { WINDOW_MS: '1000' });
    const producer = await connectProducer(app.port, { query: '?commit=1' });
    producer.send(batch('e2e-resend', 5, makeSamples(1, 1)));
    producer.send(batch('e2e-resend', 5, makeSamples(1, 1)));
    const first = await ackOf(producer, 5, 1);
    const again = await ackOf(producer, 5, 2);
    expect(again).toMatchObject({ duplicate: true, windowEnd: first.windowEnd });
    await waitUntil(
      () => producer.commits.some((c) => (c.upTo ?? 0) >= first.windowEnd!),
      5000,
      () => 'commit',
    );
    producer.send(batch('e2e-resend', 5, makeSamples(1, 1)));
    const later = await ackOf(producer, 5, 3);
    expect(later.duplicate).toBe(true);
    expect(later.windowEnd!).toBeGreaterThanOrEqual(first.windowEnd!);
    expect(later.windowEnd!).toBeLessThanOrEqual(app.app.core.endToEnd!.book.upTo!);
    expect((await app.stats()).accepted).toBe(1);
  });

  it('after a restart, replays are judged by the epoch and window of their ack: published, lost, or unknown', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const p1 = await connectProducer(first.port, { query: '?commit=1' });
    p1.send(batch('e2e-replay', 0, makeSamples(3, 1)));
    const ack0 = await ackOf(p1, 0);
    await waitUntil(
      () => p1.commits.some((c) => (c.upTo ?? 0) >= ack0.windowEnd!),
      5000,
      () => 'commit',
    );
    const epoch1 = p1.commits[0]!.epoch;
    await first.close();

    const second = await start(dir);
    const p2 = await connectProducer(second.port, { query: '?commit=1' });
    await waitUntil(
      () => p2.commits.length === 1,
      5000,
      () => 'greeting',
    );
    const greeting = p2.commits[0]!;
    expect(greeting.epoch).toBeGreaterThan(epoch1);
    // the new life starts from the old one's watermark
    expect(greeting.upTo!).toBeGreaterThanOrEqual(ack0.windowEnd!);
    // published in the old life: a duplicate, not counted, named by its own window
    p2.send(`{"type":"replay","epoch":${epoch1},"windowEnd":${ack0.windowEnd}}`);
    p2.send(batch('e2e-replay', 0, makeSamples(3, 1)));
    expect(await ackOf(p2, 0)).toEqual({
      type: 'ack',
      seq: 0,
      accepted: 3,
      duplicate: true,
      windowEnd: ack0.windowEnd,
    });
    // a window after the old life's watermark died unpublished: folded again, once
    const lost = greeting.upTo! + 10 * WINDOW_MS;
    for (let i = 0; i < 2; i++) {
      p2.send(`{"type":"replay","epoch":${epoch1},"windowEnd":${lost}}`);
      p2.send(batch('e2e-replay', 1, makeSamples(2, 2)));
    }
    expect(await ackOf(p2, 1, 1)).toMatchObject({ accepted: 2, duplicate: false });
    expect(await ackOf(p2, 1, 2)).toMatchObject({ accepted: 2, duplicate: true });
    // an epoch this server does not know: the classic guarantee (folded)
    p2.send(`{"type":"replay","epoch":12345,"windowEnd":${ack0.windowEnd}}`);
    p2.send(batch('e2e-replay', 2, makeSamples(1, 3)));
    expect(await ackOf(p2, 2)).toMatchObject({ accepted: 1, duplicate: false });
    const stats = await second.stats();
    expect(stats).toMatchObject({ accepted: 3, aggregated: 3, duplicates: 2 });
    expect(second.app.core.endToEnd?.replays).toEqual({ published: 1, open: 0, lost: 2, unknown: 1 });
    // the old life's last recorded window is back in the history
    expect(second.app.core.ring.latest().some((w) => w.end === readState(dir).windows.at(-1)?.end)).toBe(
      true,
    );
  });

  it('refuses a malformed replay frame with a nack naming the field, and the next batch is plain', async () => {
    const app = await start(dataDir());
    const producer = await connectProducer(app.port, { query: '?commit=1' });
    producer.send('{"type":"replay","epoch":1}');
    producer.send(batch('e2e-bad-replay', 0, makeSamples(1, 1)));
    await waitUntil(
      () => producer.answers.length === 2,
      5000,
      () => 'two answers',
    );
    expect(producer.answers[0]).toMatchObject({ type: 'nack', seq: null });
    expect(producer.answers[0]!.type === 'nack' && producer.answers[0]!.details?.[0]?.path).toBe(
      '/windowEnd',
    );
    expect(producer.answers[1]).toMatchObject({ type: 'ack', seq: 0, duplicate: false });
    expect((await app.stats()).rejected).toBe(1);
  });

  it('starts with a warning, never a crash, when the watermark is missing or corrupt (moved aside)', async () => {
    const dir = dataDir();
    const missing = capturedLogger();
    const firstStart = await start(dir, {}, missing.logger);
    expect(missing.lines.map((l) => l.msg).join('\n')).toMatch(
      /no watermark\.json in DATA_DIR .*classic guarantee/,
    );
    expect(firstStart.app.core.endToEnd?.startedFrom).toBe('missing');
    await firstStart.close();

    writeFileSync(join(dir, WATERMARK_FILE), '{"format":"ingestlab-ws-watermark","version":1,"current":');
    const corrupt = capturedLogger();
    const app = await start(dir, {}, corrupt.logger);
    const warning = corrupt.lines.find((l) => /unreadable/.test(l.msg));
    expect(warning?.msg).toMatch(/watermark\.json is unreadable and was set aside.*classic guarantee/);
    expect(String(warning?.reason)).toMatch(/not JSON/);
    expect(readdirSync(dir).some((name) => name.startsWith(`${WATERMARK_FILE}.corrupt-`))).toBe(true);
    expect(app.app.core.endToEnd?.startedFrom).toBe('corrupt');
    // a fresh watermark for this life, and replays from before it get the classic guarantee
    expect(readState(dir).current).toEqual({ epoch: app.app.core.endToEnd!.book.epoch, upTo: null });
    const producer = await connectProducer(app.port, { query: '?commit=1' });
    producer.send(`{"type":"replay","epoch":${Date.now() - 60_000},"windowEnd":1000}`);
    producer.send(batch('e2e-corrupt', 0, makeSamples(2, 1)));
    expect(await ackOf(producer, 0)).toMatchObject({ accepted: 2, duplicate: false });

    // valid JSON that is not a watermark: the reason names the field
    await app.close();
    writeFileSync(
      join(dir, WATERMARK_FILE),
      JSON.stringify({ ...readState(dir), current: { epoch: 'x', upTo: null } }),
    );
    const wrong = capturedLogger();
    await start(dir, {}, wrong.logger);
    expect(String(wrong.lines.find((l) => /unreadable/.test(l.msg))?.reason)).toMatch(/\/current\/epoch/);
  });

  it('refuses to start when DATA_DIR cannot be used, naming it', async () => {
    const dir = dataDir();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    await expect(startApp({ DATA_DIR: join(file, 'data') })).rejects.toThrow(
      /DATA_DIR .*a-file\/data cannot be created/,
    );
  });

  it('while the watermark cannot be written, windows are still published but nothing is committed', async () => {
    const dir = dataDir();
    const { logger, lines } = capturedLogger();
    const app = await start(dir, {}, logger);
    const producer = await connectProducer(app.port, { query: '?commit=1' });
    // the directory disappears: each write fails at its first step
    const aside = `${dir}-aside`;
    renameSync(dir, aside);
    dirs.push(aside);
    const published = app.app.core.accounting.counters.windowsPublished;
    producer.send(batch('e2e-disk', 0, makeSamples(1, 1)));
    const ack = await ackOf(producer, 0);
    await waitUntil(
      () => app.app.core.ring.latest().some((w) => w.end === ack.windowEnd),
      5000,
      () => 'the window published anyway',
    );
    expect(app.app.core.accounting.counters.windowsPublished).toBeGreaterThan(published);
    expect(producer.commits.filter((c) => (c.upTo ?? 0) >= ack.windowEnd!)).toEqual([]);
    expect(lines.some((l) => /cannot write the watermark/.test(l.msg))).toBe(true);
    const metrics = await (await fetch(app.url('/metrics'))).text();
    expect(metrics).toMatch(/ingest_watermark_write_failures_total\{system="ws-memory"\} [1-9]/);
    // the directory is back: the next write covers the window, and its commit goes out
    renameSync(aside, dir);
    await waitUntil(
      () => producer.commits.some((c) => (c.upTo ?? 0) >= ack.windowEnd!),
      5000,
      () => 'commit after the disk came back',
    );
    expect(lines.some((l) => /watermark written again/.test(l.msg))).toBe(true);
  });
});
