// One Redis command over a fresh connection (RESP), for cases that change Redis under the system:
// CONFIG SET maxmemory, INFO memory. No client library, so the suite does not depend on the app's.
import { createConnection } from 'node:net';

/** Sends one command and resolves with the raw reply text (an error reply rejects). */
export function redisCommand(url: string, args: string[], timeoutMs = 3000): Promise<string> {
  const { hostname, port } = new URL(url);
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${args[0]} timed out`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (!complete(reply)) return;
      clearTimeout(timer);
      socket.destroy();
      if (reply.startsWith('-')) reject(new Error(reply.trim()));
      else resolve(reply);
    });
  });
}

/** Whether a simple, error, integer or bulk reply has fully arrived. */
function complete(reply: string): boolean {
  if (reply.startsWith('$')) {
    const end = reply.indexOf('\r\n');
    if (end < 0) return false;
    const length = Number(reply.slice(1, end));
    return length < 0 || Buffer.byteLength(reply) >= end + 2 + length + 2;
  }
  return reply.endsWith('\r\n');
}

/** A field of INFO (e.g. used_memory) as a number. */
export async function redisInfoNumber(url: string, section: string, field: string): Promise<number> {
  const text = await redisCommand(url, ['INFO', section]);
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(text);
  if (!match) throw new Error(`INFO ${section} has no ${field}`);
  return Number(match[1]);
}

/** The bulk strings of an array reply (e.g. LRANGE), in order. */
export function arrayItems(reply: string): string[] {
  const lines = reply.split('\r\n');
  const items: string[] = [];
  for (let i = 0; i < lines.length; i++)
    if (lines[i]?.startsWith('$') && lines[i] !== '$-1') items.push(lines[i + 1] ?? '');
  return items;
}
