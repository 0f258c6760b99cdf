// createTransport: a wire for the target wrapped in the retrying, counting sender. Every batch ends
// acknowledged, refused or failed, and each of those is counted: nothing is lost silently.
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Batch } from '@ingestlab/metric-schema';
import { backoffDelay, sleep } from '../backoff.js';
import { cloneCounters, countError, emptyCounters } from '../counters.js';
import { recordValue } from '../histogram.js';
import { createH2Wire } from './h2-wire.js';
import { createHttp1Wire } from './http1-wire.js';
import {
  DEFAULT_URLS,
  type SendResult,
  TARGETS,
  type Target,
  type Transport,
  type TransportOptions,
  type Wire,
} from './types.js';
import { createWsWire } from './ws-wire.js';

const SCHEMES: Record<Target, string[]> = {
  http1: ['http:', 'https:'],
  h2c: ['http:'],
  h2: ['https:'],
  ws: ['ws:', 'wss:'],
};

export function createTransport(target: Target, options: TransportOptions = {}): Transport {
  if (!TARGETS.includes(target))
    throw new RangeError(`unknown target "${target}" (expected ${TARGETS.join(', ')})`);
  const url = parseTargetUrl(target, options.url ?? DEFAULT_URLS[target]);
  const wire = createWire(target, url, options);
  return createSender(target, url.href, wire, options);
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

function createWire(target: Target, url: URL, options: TransportOptions): Wire {
  switch (target) {
    case 'http1':
      return createHttp1Wire(url, options);
    case 'h2c':
    case 'h2':
      return createH2Wire(url, options);
    case 'ws':
      return createWsWire(url, options);
  }
}

/** The retry and accounting layer over any wire; exported for tests that bring their own wire. */
export function createSender(target: Target, url: string, wire: Wire, options: TransportOptions): Transport {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 10);
  const deadlineMs = options.retry?.deadlineMs ?? 60_000;
  const baseDelayMs = options.retry?.baseDelayMs ?? 100;
  const maxDelayMs = options.retry?.maxDelayMs ?? 5000;
  const counters = emptyCounters();
  const closing = new AbortController();
  // every batch waiting out a backoff listens on this signal; thousands may wait at once
  setMaxListeners(0, closing.signal);
  let inFlight = 0;

  const end = (batch: Batch, outcome: 'refused' | 'failed', error: string, attempts: number): SendResult => {
    counters.batches[outcome]++;
    counters.samples[outcome] += batch.samples.length;
    return { status: outcome, error, attempts };
  };

  const send = async (batch: Batch): Promise<SendResult> => {
    const body = JSON.stringify(batch);
    const n = batch.samples.length;
    counters.batches.sent++;
    counters.samples.sent += n;
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) counters.retries++;
      const result = await wire.attempt(batch, body, timeoutMs);
      if (result.kind === 'ack') {
        const latencyMs = performance.now() - started;
        recordValue(counters.latency, latencyMs);
        counters.batches.acknowledged++;
        counters.samples.acknowledged += n;
        if (result.duplicate) {
          counters.batches.duplicates++;
          counters.samples.duplicates += n;
        }
        return {
          status: 'acknowledged',
          accepted: result.accepted,
          duplicate: result.duplicate,
          attempts: attempt,
          latencyMs,
        };
      }
      countError(counters, result.error);
      if (result.kind === 'refused') return end(batch, 'refused', result.error, attempt);
      if (attempt >= maxAttempts)
        return end(batch, 'failed', `${result.error} (after ${attempt} attempts)`, attempt);
      const delay = Math.max(result.retryAfterMs ?? 0, backoffDelay(attempt, baseDelayMs, maxDelayMs));
      if (performance.now() - started + delay > deadlineMs) {
        return end(batch, 'failed', `${result.error} (deadline after ${attempt} attempts)`, attempt);
      }
      if (!(await sleep(delay, closing.signal))) {
        countError(counters, 'closed');
        return end(batch, 'failed', `${result.error} (transport closed)`, attempt);
      }
    }
  };

  return {
    target,
    url,
    get inFlight() {
      return inFlight;
    },
    async send(batch) {
      inFlight++;
      try {
        return await send(batch);
      } finally {
        inFlight--;
      }
    },
    counters: () => cloneCounters(counters),
    async close() {
      closing.abort();
      await wire.close();
    },
  };
}
