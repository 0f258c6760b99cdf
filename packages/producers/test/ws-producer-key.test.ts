// The ws transport names its producer on the upgrade URL (?producer=), the key nginx hashes to keep a
// producer on one System 2 shard; without the option the URL is as given.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createBatchStream, createFleet, createTransport } from '../src/index.js';

async function ackServer(): Promise<{ url: string; upgrades: string[]; close(): Promise<void> }> {
  const upgrades: string[] = [];
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws, request) => {
    upgrades.push(request.url ?? '');
    ws.on('message', (data) => {
      const { seq, samples } = JSON.parse(data.toString()) as { seq: number; samples: unknown[] };
      ws.send(JSON.stringify({ type: 'ack', seq, accepted: samples.length, duplicate: false }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/s2`,
    upgrades,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('ws transport: the producer key on the upgrade', () => {
  it('adds ?producer=<name> when given, and nothing otherwise', async () => {
    const server = await ackServer();
    const named = createTransport('ws', { url: server.url, producer: 'web-00017' });
    const plain = createTransport('ws', { url: server.url });
    try {
      const stream = createBatchStream({
        fleet: createFleet({ hosts: 1, startTime: 0 }),
        producer: 'web-00017',
      });
      expect((await named.send(stream.next(1000))).status).toBe('acknowledged');
      expect((await plain.send(stream.next(2000))).status).toBe('acknowledged');
      expect(server.upgrades.sort()).toEqual(['/s2/ingest', '/s2/ingest?producer=web-00017']);
    } finally {
      await named.close();
      await plain.close();
      await server.close();
    }
  });
});
