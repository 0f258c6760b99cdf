// HTTP/1.1 ingest: one keep-alive connection per producer (http1-connection.ts), or a few when a
// single sender is given several, each with up to `pipelining` requests in flight (batches are
// idempotent by (producer, seq), so pipelining a POST is safe here). Requests beyond that wait here,
// in order, and their wait counts in their latency from the schedule.
import { performance } from 'node:perf_hooks';
import { classifyHttpAnswer, contentTypeOf, ingestPath } from './http-answers.js';
import { type Exchange, Http1Connection } from './http1-connection.js';
import type { AttemptResult, ConnectionHooks, EncodedBatch, TransportOptions, Wire } from './types.js';

interface Waiting {
  head: string;
  body: Buffer;
  samples: number;
  timeoutMs: number;
  resolve(result: AttemptResult): void;
}

export function createHttp1Wire(url: URL, options: TransportOptions, hooks?: ConnectionHooks): Wire {
  const depth = Math.max(1, options.pipelining ?? 1);
  const connections = Array.from(
    { length: Math.max(1, options.connections ?? 1) },
    () => new Http1Connection(url, options, hooks),
  );
  const path = ingestPath(url);
  // the fixed part of every request head, built once
  const fixed =
    `POST ${path} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: ${contentTypeOf(options.encoding)}\r\n` +
    (options.token ? `authorization: Bearer ${options.token}\r\n` : '');
  const waiting: Waiting[] = [];
  let closed = false;

  const answer = (job: Waiting, exchange: Exchange, sentAt: number) => {
    const result: AttemptResult =
      'error' in exchange
        ? { kind: 'retry', error: exchange.error }
        : classifyHttpAnswer(exchange.status, exchange.retryAfter, exchange.body, job.samples);
    result.sentAt = sentAt;
    job.resolve(result);
    pump();
  };

  const pump = () => {
    while (waiting.length > 0) {
      let free: Http1Connection | undefined;
      for (const connection of connections) {
        if (connection.pending < depth && (!free || connection.pending < free.pending)) free = connection;
      }
      if (!free) return;
      const job = waiting.shift() as Waiting;
      const sentAt = performance.now();
      void free.exchange(job.head, job.body, job.timeoutMs).then((exchange) => answer(job, exchange, sentAt));
    }
  };

  return {
    attempt(batch: EncodedBatch, timeoutMs: number): Promise<AttemptResult> {
      if (closed) return Promise.resolve({ kind: 'retry', error: 'closed' });
      // x-producer lets System 1 rate-limit per producer before reading the body
      const head = `${fixed}x-producer: ${batch.producer}\r\ncontent-length: ${batch.body.length}\r\n\r\n`;
      return new Promise((resolve) => {
        waiting.push({ head, body: batch.body, samples: batch.samples, timeoutMs, resolve });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const job of waiting.splice(0)) job.resolve({ kind: 'retry', error: 'closed' });
      for (const connection of connections) connection.close();
    },
  };
}
