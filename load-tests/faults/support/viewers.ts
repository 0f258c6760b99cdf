// Dashboard viewers for fault cases: a well-behaved one that tallies the windows it sees, a flood of
// short-lived ones, slow-loris handshakes, and viewers that never read.
import { request } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { Window } from '@ingestlab/metric-schema';
import WebSocket from 'ws';

export interface WindowTally {
  /** Frames received, any type. */
  frames: number;
  /** Windows by start: from the snapshot and from window frames, each counted once. */
  windows: Map<number, Window>;
  /** performance.now() of the last frame. */
  lastFrameAt: number;
  helloSystem: string | null;
}

export function samplesSeen(tally: WindowTally, since = Number.NEGATIVE_INFINITY): number {
  let sum = 0;
  for (const window of tally.windows.values()) if (window.start >= since) sum += window.samples;
  return sum;
}

function tallyFrame(tally: WindowTally, text: string): void {
  tally.frames++;
  tally.lastFrameAt = performance.now();
  let frame: { type?: string; system?: string; window?: Window; windows?: Window[] };
  try {
    frame = JSON.parse(text);
  } catch {
    return;
  }
  if (frame.type === 'hello') tally.helloSystem = frame.system ?? null;
  if (frame.type === 'snapshot') for (const w of frame.windows ?? []) tally.windows.set(w.start, w);
  if (frame.type === 'window' && frame.window) tally.windows.set(frame.window.start, frame.window);
}

function emptyTally(): WindowTally {
  return { frames: 0, windows: new Map(), lastFrameAt: 0, helloSystem: null };
}

export interface LiveViewer {
  tally: WindowTally;
  /** Resolves once the hello frame arrived. */
  ready: Promise<void>;
  close(): void;
}

/** A WebSocket viewer of `${baseUrl}/live` that tallies windows. */
export function liveViewer(baseUrl: string): LiveViewer {
  const tally = emptyTally();
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/live`, { perMessageDeflate: false });
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      tallyFrame(tally, data.toString());
      if (tally.helloSystem !== null) resolve();
    });
  });
  ready.catch(() => undefined);
  return { tally, ready, close: () => ws.terminate() };
}

/** An SSE viewer of `${baseUrl}/live/sse` that tallies windows. */
export function sseViewer(baseUrl: string): LiveViewer {
  const tally = emptyTally();
  let req: ReturnType<typeof request> | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    req = request(`${baseUrl}/live/sse`, { headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`/live/sse answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).replace(/^ /, ''))
            .join('\n');
          if (data) tallyFrame(tally, data);
          if (tally.helloSystem !== null) resolve();
          end = buffer.indexOf('\n\n');
        }
      });
    });
    req.once('error', reject);
    req.end();
  });
  ready.catch(() => undefined);
  return { tally, ready, close: () => req?.destroy() };
}

export interface FloodResult {
  /** Viewers that got their hello frame. */
  greeted: number;
  /** Viewers refused or failed (status, close, error). */
  failed: number;
  /** Failure kinds and counts. */
  failures: Record<string, number>;
}

/**
 * Connects `count` viewers (alternating WebSocket and SSE) `concurrency` at a time, each closing
 * as soon as its hello frame arrives (or after timeoutMs).
 */
export async function viewerFlood(
  baseUrl: string,
  count: number,
  concurrency = 200,
  timeoutMs = 10_000,
): Promise<FloodResult> {
  const result: FloodResult = { greeted: 0, failed: 0, failures: {} };
  let next = 0;
  const one = async (i: number) => {
    const viewer = i % 2 === 0 ? liveViewer(baseUrl) : sseViewer(baseUrl);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        viewer.ready,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        }),
      ]);
      result.greeted++;
    } catch (error) {
      result.failed++;
      const kind = (error as Error).message.slice(0, 40);
      result.failures[kind] = (result.failures[kind] ?? 0) + 1;
    } finally {
      clearTimeout(timer);
      viewer.close();
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await one(next++);
    }),
  );
  return result;
}

export interface RawClients {
  sockets: Socket[];
  /** Sockets the server closed (end or error). */
  closedByServer(): number;
  destroy(): void;
}

/**
 * Slow-loris viewers: each opens a TCP connection and dribbles a /live upgrade request one byte
 * every `byteEveryMs`, never finishing the headers.
 */
export function slowLoris(port: number, count: number, byteEveryMs = 500): RawClients {
  const head =
    'GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Pad: ';
  let closed = 0;
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect({ port, host: '127.0.0.1' });
    let sent = 0;
    let gone = false;
    const markGone = () => {
      if (!gone) closed++;
      gone = true;
    };
    socket.on('error', markGone);
    socket.on('close', markGone);
    socket.resume();
    timers.push(
      setInterval(() => {
        if (gone || socket.destroyed) return;
        // the header never ends: after the fixed part, one more padding byte each tick
        socket.write(sent < head.length ? (head[sent] ?? 'a') : 'a');
        sent++;
      }, byteEveryMs),
    );
    sockets.push(socket);
  }
  return {
    sockets,
    closedByServer: () => closed,
    destroy() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
    },
  };
}

/**
 * Viewers that complete the /live WebSocket handshake and then never read another byte (the
 * socket is paused, so the kernel buffers fill and the server's backlog grows).
 */
export async function neverReaders(port: number, count: number, path = '/live'): Promise<RawClients> {
  let closed = 0;
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect({ port, host: '127.0.0.1' });
          let gone = false;
          const markGone = () => {
            if (!gone) closed++;
            gone = true;
            resolve();
          };
          socket.on('error', markGone);
          socket.on('close', markGone);
          socket.once('connect', () => {
            socket.write(
              `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
                'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
            );
          });
          socket.once('data', () => {
            // the 101 (and maybe the hello frame) arrived: from now on read nothing
            socket.pause();
            resolve();
          });
          sockets.push(socket);
        }),
    ),
  );
  return {
    sockets,
    closedByServer: () => closed,
    destroy() {
      for (const s of sockets) s.destroy();
    },
  };
}
