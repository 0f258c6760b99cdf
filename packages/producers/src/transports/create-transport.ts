// createTransport: a wire for the target wrapped in the retrying, counting sender. Every batch ends
// acknowledged, refused or failed, and each of those is counted: nothing is lost silently.
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { type Batch, encodeMsgpack } from '@ingestlab/metric-schema';
import { backoffDelay, sleep } from '../backoff.js';
import { type Counters, countError, emptyCounters, snapshotCounters } from '../counters.js';
import { Retention } from '../retention.js';
import { createH2Wire } from './h2-wire.js';
import { createHttp1Wire } from './http1-wire.js';
import {
  type ConnectionHooks,
  DEFAULT_URLS,
  type EncodedBatch,
  type SendResult,
  TARGETS,
  type Target,
  type Transport,
  type TransportOptions,
  type Wire,
} from './types.js';
import { WsEndToEnd } from './ws-end-to-end.js';
import { createWsWire } from './ws-wire.js';

/** The reason a closing sender aborts its waits with: shared, not a DOMException (and its stack) per sender. */
const CLOSED = new Error('transport closed');

const SCHEMES: Record<Target, string[]> = {
  http1: ['http:', 'https:'],
  h2c: ['http:'],
  h2: ['https:'],
  ws: ['ws:', 'wss:'],
};

/**
 * One producer's connection with retries and counts. `counters` may be shared by many transports
 * (the load driver gives one to all the connections of a thread); by default each has its own. So
 * may `retention`, the bound of what end-to-end transports keep (by default each has its own, of
 * `retainMaxBytes`).
 */
export function createTransport(
  target: Target,
  options: TransportOptions = {},
  counters: Counters = emptyCounters(),
  retention?: Retention,
): Transport {
  if (!TARGETS.includes(target))
    throw new RangeError(`unknown target "${target}" (expected ${TARGETS.join(', ')})`);
  if (options.endToEnd && target !== 'ws') {
    throw new RangeError(`end-to-end acknowledgements are System 2's: target ws, not ${target}`);
  }
  const url = parseTargetUrl(target, options.url ?? DEFAULT_URLS[target]);
  let closing = false;
  const hooks: ConnectionHooks = {
    opened: () => {
      counters.connections.opened++;
    },
    lost: () => {
      // our own close at the end of a run is not a lost connection
      if (!closing) counters.connections.lost++;
    },
  };
  const endToEnd = options.endToEnd
    ? new WsEndToEnd(retention ?? new Retention(options.retainMaxBytes, counters.endToEnd), counters.endToEnd)
    : undefined;
  const wire = createWire(target, url, options, hooks, endToEnd);
  const sender = createSender(target, url.href, wire, options, counters);
  const close = sender.close;
  sender.close = () => {
    closing = true;
    return close();
  };
  return sender;
}

export function parseTargetUrl(target: Target, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`--url "${text}" is not a valid URL`);
  }
  if (!SCHEMES[target].includes(url.protocol)) {
    throw new RangeError(
      `--url "${text}" does not suit target ${target} (expected ${SCHEMES[target].join(' or ')})`,
    );
  }
  return url;
}

function createWire(
  target: Target,
  url: URL,
  options: TransportOptions,
  hooks: ConnectionHooks,
  endToEnd: WsEndToEnd | undefined,
): Wire {
  switch (target) {
    case 'http1':
      return createHttp1Wire(url, options, hooks);
    case 'h2c':
    case 'h2':
      return createH2Wire(url, options, hooks);
    case 'ws':
      return createWsWire(url, options, hooks, endToEnd);
  }
}

/** The retry and accounting layer over any wire; exported for tests that bring their own wire. */
export function createSender(
  target: Target,
  url: string,
  wire: Wire,
  options: TransportOptions,
  counters: Counters = emptyCounters(),
): Transport {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 10);
  const deadlineMs = options.retry?.deadlineMs ?? 60_000;
  const baseDelayMs = options.retry?.baseDelayMs ?? 100;
  const maxDelayMs = options.retry?.maxDelayMs ?? 5000;
  const closing = new AbortController();
  // every batch waiting out a backoff listens on this signal; thousands may wait at once
  setMaxListeners(0, closing.signal);
  let inFlight = 0;

  const end = (
    batch: EncodedBatch,
    outcome: 'refused' | 'failed',
    error: string,
    attempts: number,
  ): SendResult => {
    counters.batches[outcome]++;
    counters.samples[outcome] += batch.samples;
    batch.release?.();
    return { status: outcome, error, attempts };
  };

  const deliver = async (batch: EncodedBatch): Promise<SendResult> => {
    const n = batch.samples;
    counters.batches.sent++;
    counters.samples.sent += n;
    const firstSend = performance.now();
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) counters.retries++;
      const attemptStarted = performance.now();
      const result = await wire.attempt(batch, timeoutMs);
      if (result.kind === 'ack') {
        const now = performance.now();
        const latencyMs = now - batch.dueAt;
        const serviceMs = now - (result.sentAt ?? attemptStarted);
        if (batch.measured !== false) {
          counters.fromSchedule.record(latencyMs);
          counters.service.record(serviceMs);
          counters.steadyAcknowledgedSamples += n;
        }
        counters.batches.acknowledged++;
        counters.samples.acknowledged += n;
        if (result.duplicate) {
          counters.batches.duplicates++;
          counters.samples.duplicates += n;
        }
        // a batch kept end-to-end is released by the wire once committed
        if (!result.retained) batch.release?.();
        return {
          status: 'acknowledged',
          accepted: result.accepted,
          duplicate: result.duplicate,
          attempts: attempt,
          latencyMs,
          serviceMs,
        };
      }
      countError(counters, result.error);
      if (result.kind === 'refused') return end(batch, 'refused', result.error, attempt);
      if (attempt >= maxAttempts)
        return end(batch, 'failed', `${result.error} (after ${attempt} attempts)`, attempt);
      const delay = Math.max(result.retryAfterMs ?? 0, backoffDelay(attempt, baseDelayMs, maxDelayMs));
      if (performance.now() - firstSend + delay > deadlineMs) {
        return end(batch, 'failed', `${result.error} (deadline after ${attempt} attempts)`, attempt);
      }
      if (!(await sleep(delay, closing.signal))) {
        countError(counters, 'closed');
        return end(batch, 'failed', `${result.error} (transport closed)`, attempt);
      }
    }
  };

  const sendEncoded = async (batch: EncodedBatch): Promise<SendResult> => {
    inFlight++;
    try {
      return await deliver(batch);
    } finally {
      inFlight--;
    }
  };

  return {
    target,
    url,
    get inFlight() {
      return inFlight;
    },
    send: (batch: Batch) =>
      sendEncoded({
        producer: batch.producer,
        seq: batch.seq,
        samples: batch.samples.length,
        body:
          options.encoding === 'msgpack'
            ? Buffer.from(encodeMsgpack(batch))
            : Buffer.from(JSON.stringify(batch)),
        dueAt: performance.now(),
      }),
    sendEncoded,
    counters: () => snapshotCounters(counters),
    async close() {
      closing.abort(CLOSED);
      await wire.close();
    },
  };
}
