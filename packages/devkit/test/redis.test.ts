// The private Redis really starts, answers, keeps append-only data across a crash, and stops; a
// fixed, preferred or reused port behaves as documented.
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  type PrivateRedis,
  portIsFree,
  redisAnswers,
  reuseOrStartRedis,
  startRedis,
} from '../src/index.js';
import { processGroup } from './support.js';

const started: PrivateRedis[] = [];
afterEach(async () => {
  while (started.length) await started.pop()!.stop();
});

async function command(url: string, ...args: string[]): Promise<string> {
  const { createConnection } = await import('node:net');
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port: Number(port), host: '127.0.0.1' });
    socket.once('error', reject);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

describe('startRedis', () => {
  it('starts a private server on a free port and stops it', async () => {
    const redis = await startRedis();
    started.push(redis);
    expect(await redisAnswers(redis.url)).toBe(true);
    await started.pop()!.stop();
    expect(await redisAnswers(redis.url)).toBe(false);
  });

  it('keeps append-only data across a crash and restart', async () => {
    const redis = await startRedis({ appendOnly: true });
    started.push(redis);
    expect(await command(redis.url, 'SET', 'k', 'v')).toBe('+OK\r\n');
    await new Promise((r) => setTimeout(r, 1200)); // appendfsync everysec
    await redis.crash();
    const again = await redis.restart();
    started.push(again);
    expect(await command(again.url, 'GET', 'k')).toBe('$1\r\nv\r\n');
    // Stopping only the last server removes the temp dir the first one made.
    await started.pop()!.stop();
    expect(existsSync(redis.dir)).toBe(false);
  });
});

describe('startRedis ports and failures', () => {
  it('refuses a fixed port that is taken, with the port in the reason', async () => {
    const taken = await startRedis();
    started.push(taken);
    await expect(startRedis({ port: taken.port })).rejects.toThrow(`port ${taken.port}: the port is taken`);
  });

  it('runs in its own process group when detached', async () => {
    const redis = await startRedis({ detached: true });
    started.push(redis);
    const pid = redis.process.child.pid!;
    expect(processGroup(pid)).toBe(pid);
  });

  it('takes the preferred port when free, another when it is taken', async () => {
    const preferred = await freePort();
    const first = await startRedis({ preferredPort: preferred });
    started.push(first);
    expect(first.port).toBe(preferred);
    const second = await startRedis({ preferredPort: preferred });
    started.push(second);
    expect(second.port).not.toBe(preferred);
    expect(await redisAnswers(second.url)).toBe(true);
  });

  it('fails fast with redis-server output when it exits on a bad setting', async () => {
    const port = await freePort();
    const begun = Date.now();
    const error = await startRedis({ port, maxMemory: 'not-a-size' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/exited: [\s\S]*maxmemory/i);
    expect(Date.now() - begun).toBeLessThan(10_000);
    expect(await portIsFree(port)).toBe(true);
  });
});

describe('reuseOrStartRedis', () => {
  it('uses the Redis already answering at the URL', async () => {
    const existing = await startRedis();
    started.push(existing);
    const chosen = await reuseOrStartRedis(existing.url);
    expect(chosen).toEqual({ url: existing.url, started: null });
  });

  it('starts a private server on the URL port when nothing answers there', async () => {
    const port = await freePort();
    const chosen = await reuseOrStartRedis(`redis://localhost:${port}`);
    expect(chosen.started).not.toBeNull();
    started.push(chosen.started!);
    expect(chosen.url).toBe(`redis://127.0.0.1:${port}`);
    expect(await redisAnswers(chosen.url)).toBe(true);
  });

  it('refuses a port held by something that is not a Redis', async () => {
    // Reads what it is sent (the PING), or the socket would never see the client's end and close.
    const server = createServer((socket) => socket.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(reuseOrStartRedis(`redis://127.0.0.1:${port}`)).rejects.toThrow(
        `port ${port} is taken by something that is not a Redis`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('does not start a local server for a URL on another machine', async () => {
    await expect(reuseOrStartRedis('redis://10.255.255.1:6379')).rejects.toThrow('no Redis answers at');
  });
});
