// The private Redis really starts, answers, keeps append-only data across a crash, and stops.
import { afterEach, describe, expect, it } from 'vitest';
import { type PrivateRedis, redisAnswers, startRedis } from '../src/index.js';

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
  });
});
