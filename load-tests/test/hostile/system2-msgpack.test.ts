// System 2's ingestlab.msgpack socket under generated malformed MessagePack: bad bytes get a nack and
// close 1007, a MessagePack value that is not a batch a nack, a text frame close 1003; valid batches
// in between are acked. Every refusal is counted exactly, by reason, and nothing else changes.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPresent } from '../../faults/support/paths.js';
import { OPCODES } from '../../faults/support/raw-ws.js';
import { getStats } from '../../faults/support/stats.js';
import { type System2, startSystem2 } from '../../faults/support/system2.js';
import { freshBatch } from './arbitraries.js';
import { IngestSocket } from './ingest-socket.js';
import { type MsgpackVerdict, hostileMsgpack, msgpackVerdict } from './msgpack-arbitraries.js';
import { encodeMsgpack } from '@ingestlab/metric-schema';

const MSGPACK = { 'sec-websocket-protocol': 'ingestlab.msgpack' };

async function rejectedBy(baseUrl: string, reason: string): Promise<number> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('ingest_rejected_batches_total{') && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe.skipIf(!systemPresent('ws'))('System 2: hostile MessagePack', () => {
  let system: System2;
  beforeAll(async () => {
    system = await startSystem2({ env: { LOG_LEVEL: 'warn' } });
  }, 60_000);
  afterAll(async () => {
    await system?.stop();
  });

  it('refuses each generated malformed body as the contract says, and counts it exactly', async () => {
    const before = await getStats(system.httpUrl);
    const notMsgpackBefore = await rejectedBy(system.httpUrl, 'not-msgpack');
    const invalidBefore = await rejectedBy(system.httpUrl, 'invalid');
    const seen: Record<MsgpackVerdict, number> = { valid: 0, invalid: 0, 'not-msgpack': 0 };
    let acked = 0;
    const socket = new IngestSocket(system.port, '/ingest', MSGPACK);
    try {
      await fc.assert(
        fc.asyncProperty(hostileMsgpack, async (payload) => {
          const verdict = msgpackVerdict(payload.bytes);
          seen[verdict]++; // counted before any assertion, so a failing run still reconciles
          const outcome = await socket.send(payload.bytes, { opcode: OPCODES.binary });
          const context = `${payload.kind} (${verdict}): ${JSON.stringify(outcome).slice(0, 300)}`;
          if (outcome.kind === 'frame' && outcome.frame.type === 'ack' && outcome.frame.duplicate === false) {
            acked += Number(outcome.frame.accepted);
          }
          if (payload.must) expect(verdict, `the oracle on ${payload.kind}`).toBe(payload.must);
          if (verdict === 'valid') {
            expect(outcome.kind === 'frame' && outcome.frame.type, context).toBe('ack');
          } else if (verdict === 'invalid') {
            expect(outcome.kind === 'frame' && outcome.frame.type, context).toBe('nack');
            expect(String(outcome.kind === 'frame' && outcome.frame.error), context).toMatch(/invalid/);
          } else {
            expect(outcome.kind === 'close' && outcome.code, context).toBe(1007);
            expect(outcome.kind === 'close' && outcome.frame?.type, context).toBe('nack');
          }
        }),
        { numRuns: 200 },
      );
      // a text frame on a MessagePack socket: close 1003, counted as not-msgpack
      const text = await socket.send(Buffer.from(JSON.stringify(freshBatch(1))));
      expect(text.kind === 'close' && text.code).toBe(1003);
      seen['not-msgpack']++;
      // and the socket path still takes a valid batch afterwards
      const after = await socket.send(Buffer.from(encodeMsgpack(freshBatch(3))), { opcode: OPCODES.binary });
      expect(after.kind === 'frame' && after.frame.type).toBe('ack');
      acked += 3;
    } finally {
      socket.close();
    }
    const stats = await getStats(system.httpUrl);
    expect(await rejectedBy(system.httpUrl, 'not-msgpack')).toBe(notMsgpackBefore + seen['not-msgpack']);
    expect(await rejectedBy(system.httpUrl, 'invalid')).toBe(invalidBefore + seen.invalid);
    expect(stats.rejected - before.rejected).toBe(seen['not-msgpack'] + seen.invalid);
    expect(stats.accepted - before.accepted).toBe(acked);
    expect(seen['not-msgpack']).toBeGreaterThan(20);
    expect(seen.invalid).toBeGreaterThan(10);
    expect(system.server.child.exitCode).toBeNull();
  }, 180_000);
});
