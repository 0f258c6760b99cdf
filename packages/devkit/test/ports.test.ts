// Ports against real sockets: a free port binds, a taken one is seen as taken, waitForPort waits.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, portIsFree, portOr, waitForPort } from '../src/index.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listenOn(port: number): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

describe('ports', () => {
  it('freePort gives a port that can be bound', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    await listenOn(port);
  });

  it('portIsFree tells a taken port from a free one', async () => {
    const port = await freePort();
    expect(await portIsFree(port)).toBe(true);
    await listenOn(port);
    expect(await portIsFree(port)).toBe(false);
  });

  it('portOr keeps the preferred port when free and picks another when taken', async () => {
    const port = await freePort();
    expect(await portOr(port)).toBe(port);
    await listenOn(port);
    const other = await portOr(port);
    expect(other).not.toBe(port);
    expect(await portIsFree(other)).toBe(true);
  });

  it('waitForPort resolves once something listens, and times out with the address', async () => {
    const port = await freePort();
    const waiting = waitForPort(port, '127.0.0.1', 10_000);
    setTimeout(() => void listenOn(port), 200);
    await waiting;
    const closed = await freePort();
    await expect(waitForPort(closed, '127.0.0.1', 300)).rejects.toThrow(`127.0.0.1:${closed}`);
  });
});
