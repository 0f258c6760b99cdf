// HTTP/1.1 ingest over an undici Pool: keep-alive connections, optional pipelining (batches are
// idempotent by (producer, seq), so pipelining a POST is safe here).
import type { Batch } from '@ingestlab/metric-schema';
import { Pool } from 'undici';
import { classifyHttpAnswer, ingestPath, networkErrorKind } from './http-answers.js';
import type { AttemptResult, TransportOptions, Wire } from './types.js';

export function createHttp1Wire(url: URL, options: TransportOptions): Wire {
  const tls = url.protocol === 'https:';
  const pool = new Pool(url.origin, {
    connections: options.connections ?? 1,
    pipelining: options.pipelining ?? 1,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    ...(tls
      ? { connect: { rejectUnauthorized: !options.insecure, ...(options.ca ? { ca: options.ca } : {}) } }
      : {}),
  });
  const path = ingestPath(url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  return {
    async attempt(batch: Batch, body: string, timeoutMs: number): Promise<AttemptResult> {
      try {
        const response = await pool.request({
          path,
          method: 'POST',
          // x-producer lets System 1 rate-limit per producer before reading the body
          headers: { ...headers, 'x-producer': batch.producer },
          body,
          idempotent: true,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const text = await response.body.text();
        return classifyHttpAnswer(response.statusCode, response.headers['retry-after'], text, batch);
      } catch (error) {
        return { kind: 'retry', error: networkErrorKind(error) };
      }
    },
    async close() {
      await pool.destroy();
    },
  };
}
