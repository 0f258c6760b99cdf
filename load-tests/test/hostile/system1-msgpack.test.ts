// System 1's POST /ingest with `content-type: application/vnd.msgpack` under generated malformed
// MessagePack, over HTTP/1.1 and h2c: bad bytes get 400 ERR_NOT_MSGPACK, a MessagePack value that is
// not a batch 400 ERR_INVALID_BATCH, valid batches 202. Every refusal is counted exactly, by reason.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPresent } from '../../faults/support/paths.js';
import { getStats, waitDrained } from '../../faults/support/stats.js';
import { type System1, startSystem1 } from '../../faults/support/system1.js';
import { type Answer, h2Request, h2Session, postHead, rawHttp } from './clients.js';
import { type MsgpackVerdict, hostileMsgpack, msgpackVerdict } from './msgpack-arbitraries.js';

const CODES: Record<Exclude<MsgpackVerdict, 'valid'>, string> = {
  invalid: 'ERR_INVALID_BATCH',
  'not-msgpack': 'ERR_NOT_MSGPACK',
};

async function rejectedBy(baseUrl: string, reason: string): Promise<number> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('ingest_rejected_batches_total{') && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe.skipIf(!systemPresent('http'))('System 1: hostile MessagePack', () => {
  let system: System1;
  beforeAll(async () => {
    system = await startSystem1({ workers: 1, env: { LOG_LEVEL: 'warn' } });
  }, 90_000);
  afterAll(async () => {
    await system?.stop();
  });

  it('answers each generated malformed body with its 400 and code over HTTP/1.1 and h2c, counted exactly', async () => {
    const port = Number(new URL(system.httpUrl).port);
    const before = await getStats(system.httpUrl);
    const notMsgpackBefore = await rejectedBy(system.httpUrl, 'not-msgpack');
    const invalidBefore = await rejectedBy(system.httpUrl, 'invalid');
    const seen: Record<MsgpackVerdict, number> = { valid: 0, invalid: 0, 'not-msgpack': 0 };
    let acked = 0;
    const session = await h2Session(system.h2cUrl);
    try {
      await fc.assert(
        fc.asyncProperty(hostileMsgpack, fc.boolean(), async (payload, overH2c) => {
          const verdict = msgpackVerdict(payload.bytes);
          seen[verdict]++; // counted before any assertion, so a failing run still reconciles
          const headers = { 'content-type': 'application/vnd.msgpack' };
          const answer: Answer = overH2c
            ? await h2Request(session, { ':method': 'POST', ':path': '/ingest', ...headers }, payload.bytes)
            : await rawHttp(port, postHead('/ingest', payload.bytes.length, headers), payload.bytes);
          const context = `${payload.kind} (${verdict}, ${overH2c ? 'h2c' : 'http1'}): ${answer.status} ${answer.body.slice(0, 200)} ${answer.error ?? ''}`;
          if (answer.status === 202) {
            const body = JSON.parse(answer.body) as { accepted: number; duplicate: boolean };
            if (!body.duplicate) acked += body.accepted;
          }
          if (payload.must) expect(verdict, `the oracle on ${payload.kind}`).toBe(payload.must);
          if (verdict === 'valid') {
            expect(answer.status, context).toBe(202);
          } else {
            expect(answer.status, context).toBe(400);
            expect((JSON.parse(answer.body) as { code: string }).code, context).toBe(CODES[verdict]);
          }
        }),
        { numRuns: 200 },
      );
    } finally {
      session.close();
    }
    const stats = await waitDrained(system.httpUrl);
    expect(await rejectedBy(system.httpUrl, 'not-msgpack')).toBe(notMsgpackBefore + seen['not-msgpack']);
    expect(await rejectedBy(system.httpUrl, 'invalid')).toBe(invalidBefore + seen.invalid);
    expect(stats.rejected - before.rejected).toBe(seen['not-msgpack'] + seen.invalid);
    expect(stats.accepted - before.accepted).toBe(acked);
    expect(stats.aggregated - before.aggregated).toBe(acked);
    expect(seen['not-msgpack']).toBeGreaterThan(20);
    expect(seen.invalid).toBeGreaterThan(10);
    expect(system.server.child.exitCode).toBeNull();
  }, 180_000);
});
