// WebSocket ingest (ws, no permessage-deflate): one batch per text frame (or, with encoding msgpack,
// per binary frame on the subprotocol `ingestlab.msgpack`, answers in MessagePack), acks and nacks matched by
// seq, a bounded window of unacked batches, and reconnect with backoff + jitter. Batches unacked when
// the socket drops end their attempt as `connection-lost`; the sender resends them, same seq, once
// the socket is back. With end-to-end acknowledgements (`?commit=1`) acknowledged batches are kept
// until committed and sent again first on a new socket (WsEndToEnd).
import { performance } from 'node:perf_hooks';
import { SUBPROTOCOLS, decodeMsgpack, readAckMsgpack } from '@ingestlab/metric-schema';
import WebSocket from 'ws';
import { Window, backoffDelay, sleep } from '../backoff.js';
import { watchDeadlines } from '../deadlines.js';
import { ingestPath, networkErrorKind } from './http-answers.js';
import type { AttemptResult, ConnectionHooks, EncodedBatch, TransportOptions, Wire } from './types.js';
import type { WsEndToEnd } from './ws-end-to-end.js';

interface Pending {
  batch: EncodedBatch;
  /** performance.now() after which the attempt times out. */
  deadline: number;
  finish(result: AttemptResult): void;
}

/** The reason a closing wire aborts with: one shared value, not a DOMException (and its stack) per wire. */
const CLOSED = new Error('closed');

/** Close codes after which resending on a new socket cannot help (bad token). */
const REFUSING_CLOSE_CODES = new Set([1008]);

class RefusedConnect extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

/** Fills the mask key with zeros: `ws` then sends the payload as it is (see TransportOptions.zeroMaskKey). */
const zeroMask = (mask: Buffer) => mask.fill(0);

/** An answer frame other than the usual ack, decoded (JSON or MessagePack). */
interface AnswerFrame {
  type?: unknown;
  seq?: unknown;
  accepted?: unknown;
  duplicate?: unknown;
  retryAfterMs?: unknown;
  windowEnd?: unknown;
  epoch?: unknown;
  upTo?: unknown;
}

const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;

/**
 * The ack the systems send, `{"type":"ack","seq":42,"accepted":1,"duplicate":false}` (end-to-end:
 * then `"windowEnd":…`), read without JSON.parse (most of a generator's inbound work); anything else
 * goes through JSON.parse.
 */
const FAST_ACK =
  /^\{"type":"ack","seq":(\d+),"accepted":(\d+),"duplicate":(true|false)(?:,"windowEnd":(\d+))?\}$/;

export function createWsWire(
  url: URL,
  options: TransportOptions,
  hooks?: ConnectionHooks,
  endToEnd?: WsEndToEnd,
): Wire {
  const target = new URL(url.href);
  target.pathname = ingestPath(url);
  if (endToEnd) target.searchParams.set('commit', '1');
  if (options.producer !== undefined) target.searchParams.set('producer', options.producer);
  const window = new Window(Math.max(1, options.maxInFlight ?? 256));
  const baseMs = options.reconnectBaseMs ?? 100;
  const maxMs = options.reconnectMaxMs ?? 5000;
  const pending = new Map<number, Pending>();
  const stop = new AbortController();
  let socket: WebSocket | undefined;
  let connecting: Promise<WebSocket> | undefined;
  let failures = 0;

  const dropAll = (result: AttemptResult) => {
    const all = [...pending.values()];
    pending.clear();
    for (const entry of all) entry.finish(result);
  };

  const acked = (seq: number, accepted: number, duplicate: boolean, windowEnd: number | undefined) => {
    const entry = pending.get(seq);
    if (!entry) {
      // an answer to a batch sent again from what end-to-end kept, or a late one to a timed-out attempt
      endToEnd?.replayAcknowledged(seq, duplicate, windowEnd);
      return;
    }
    pending.delete(seq);
    const retained = endToEnd ? endToEnd.acknowledged(entry.batch, windowEnd) : false;
    entry.finish({ kind: 'ack', accepted, duplicate, retained });
  };

  const msgpack = options.encoding === 'msgpack';

  const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
    let frame: AnswerFrame;
    if (isBinary) {
      // an ingestlab.msgpack socket: the ack read from its fixed bytes, anything else decoded
      const ack = readAckMsgpack(data as Buffer);
      if (ack) {
        acked(ack.seq, ack.accepted, ack.duplicate, undefined);
        return;
      }
      const decoded = decodeMsgpack(data as Buffer);
      if (!decoded.ok || typeof decoded.value !== 'object' || decoded.value === null) return;
      frame = decoded.value as AnswerFrame;
    } else {
      const text = data.toString();
      const fast = FAST_ACK.exec(text);
      if (fast) {
        acked(
          Number(fast[1]),
          Number(fast[2]),
          fast[3] === 'true',
          fast[4] === undefined ? undefined : Number(fast[4]),
        );
        return;
      }
      try {
        frame = JSON.parse(text);
      } catch {
        return; // the ingest socket only carries ack/nack (and commit); anything else is ignored
      }
    }
    if (frame.type === 'commit') {
      if (
        endToEnd &&
        typeof frame.epoch === 'number' &&
        (typeof frame.upTo === 'number' || frame.upTo === null)
      )
        endToEnd.committed(frame.epoch, frame.upTo);
      return;
    }
    if (typeof frame.seq !== 'number') return;
    if (frame.type === 'ack') {
      acked(
        frame.seq,
        typeof frame.accepted === 'number' ? frame.accepted : 0,
        frame.duplicate === true,
        typeof frame.windowEnd === 'number' ? frame.windowEnd : undefined,
      );
      return;
    }
    const entry = pending.get(frame.seq);
    if (!entry) return; // a late answer to an attempt that already timed out
    pending.delete(frame.seq);
    if (frame.type === 'nack') {
      if (typeof frame.retryAfterMs === 'number') {
        entry.finish({ kind: 'retry', error: 'nack-busy', retryAfterMs: frame.retryAfterMs });
      } else {
        entry.finish({ kind: 'refused', error: 'nack' });
      }
    }
  };

  const openOnce = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const ws = new WebSocket(target, msgpack ? [SUBPROTOCOLS.msgpack] : [], {
        perMessageDeflate: false,
        headers,
        handshakeTimeout: options.timeoutMs ?? 10_000,
        ...(options.zeroMaskKey ? { generateMask: zeroMask } : {}),
        ...(target.protocol === 'wss:'
          ? { rejectUnauthorized: !options.insecure, ...(options.ca ? { ca: options.ca } : {}) }
          : {}),
      });
      let opened = false;
      ws.on('unexpected-response', (request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        request.destroy();
        const kind = `status-${status}`;
        reject(
          status >= 400 && status < 500 && status !== 429 && status !== 408
            ? new RefusedConnect(kind)
            : new Error(kind),
        );
      });
      ws.on('error', (error) => {
        if (!opened) reject(error);
      });
      ws.on('open', () => {
        opened = true;
        hooks?.opened();
        if (endToEnd) {
          // kept batches go first, before any attempt can use the socket
          endToEnd.connected();
          endToEnd.replay(ws);
        }
        resolve(ws);
      });
      ws.on('message', onMessage);
      ws.on('close', (code) => {
        if (opened) hooks?.lost();
        if (socket === ws) socket = undefined;
        if (!opened) reject(new Error(`closed-${code}`));
        dropAll(
          REFUSING_CLOSE_CODES.has(code)
            ? { kind: 'refused', error: `close-${code}` }
            : { kind: 'retry', error: 'connection-lost' },
        );
      });
    });

  const connect = (): Promise<WebSocket> => {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    connecting ??= (async () => {
      try {
        if (failures > 0) await sleep(backoffDelay(failures, baseMs, maxMs), stop.signal);
        if (stop.signal.aborted) throw new Error('closed');
        const ws = await openOnce();
        failures = 0;
        socket = ws;
        return ws;
      } catch (error) {
        failures++;
        throw error;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  };

  let unwatch: (() => void) | undefined;
  /** Attempts are kept in the order they were sent: the overdue ones are at the front. */
  const expireOverdue = (now: number) => {
    for (const [seq, entry] of pending) {
      if (entry.deadline > now) break;
      pending.delete(seq);
      entry.finish({ kind: 'retry', error: 'timeout' });
    }
  };

  /** Sends on an open socket (holding a window slot) and resolves with its answer. */
  const sendOn = (ws: WebSocket, batch: EncodedBatch, timeoutMs: number): Promise<AttemptResult> => {
    const sentAt = performance.now();
    unwatch ??= watchDeadlines(expireOverdue);
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const entry: Pending = {
        batch,
        deadline: sentAt + timeoutMs,
        finish(result) {
          if (settled) return;
          settled = true;
          window.release();
          resolve({ ...result, sentAt });
        },
      };
      // insertion order is send order (a seq is pending once at most): the sweep relies on it
      pending.delete(batch.seq);
      pending.set(batch.seq, entry);
      // a text frame: the body is JSON, already UTF-8
      // a text frame (JSON, already UTF-8) or, on an ingestlab.msgpack socket, a binary one
      ws.send(batch.body, msgpack ? BINARY : TEXT, (error) => {
        if (!error) return;
        if (pending.get(batch.seq) === entry) pending.delete(batch.seq);
        entry.finish({ kind: 'retry', error: 'connection-lost' });
      });
    });
  };

  /** Connects (or waits for the connection) holding a window slot, then sends. */
  const afterConnect = async (batch: EncodedBatch, timeoutMs: number): Promise<AttemptResult> => {
    let ws: WebSocket;
    try {
      ws = await connect();
    } catch (error) {
      window.release();
      if (error instanceof RefusedConnect) return { kind: 'refused', error: error.kind };
      const message = (error as Error).message;
      return {
        kind: 'retry',
        error: /^(status|closed)-/.test(message) ? message : networkErrorKind(error),
      };
    }
    return sendOn(ws, batch, timeoutMs);
  };

  const attempt = (batch: EncodedBatch, timeoutMs: number): Promise<AttemptResult> => {
    // the common case, without a wait: room in the window and the socket open
    if (window.tryAcquire()) {
      if (socket && socket.readyState === WebSocket.OPEN) return sendOn(socket, batch, timeoutMs);
      return afterConnect(batch, timeoutMs);
    }
    return window.acquire().then(() => afterConnect(batch, timeoutMs));
  };

  return {
    attempt(batch: EncodedBatch, timeoutMs: number): Promise<AttemptResult> {
      // end-to-end: at the retention bound, new sends wait for commits to free room
      if (endToEnd?.full) {
        return endToEnd
          .room(stop.signal)
          .then((room) => (room ? attempt(batch, timeoutMs) : { kind: 'retry', error: 'closed' }));
      }
      return attempt(batch, timeoutMs);
    },
    async close() {
      unwatch?.();
      stop.abort(CLOSED);
      const ws = socket;
      socket = undefined;
      if (!ws) {
        endToEnd?.close();
        return;
      }
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000);
        ws.once('close', () => {
          clearTimeout(force);
          resolve();
        });
        ws.close(1000, 'producer done');
      });
      endToEnd?.close();
    },
  };
}
