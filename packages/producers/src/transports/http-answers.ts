// Reading an HTTP ingest answer (status, retry-after, body) into an attempt result, the same way
// for HTTP/1.1 and HTTP/2.
import { type Encoding, MSGPACK_CONTENT_TYPES } from '@ingestlab/metric-schema';
import type { AttemptResult } from './types.js';

/** The content type of a batch body in `encoding` (JSON when unset). */
export function contentTypeOf(encoding: Encoding | undefined): string {
  return encoding === 'msgpack' ? MSGPACK_CONTENT_TYPES[0] : 'application/json';
}

/** `samples`: the batch's sample count, taken as accepted when a 2xx body does not say. */
export function classifyHttpAnswer(
  status: number,
  retryAfter: string | string[] | undefined,
  bodyText: string,
  samples: number,
): AttemptResult {
  if (status >= 200 && status < 300) {
    let accepted = samples;
    let duplicate = false;
    try {
      const body = JSON.parse(bodyText) as { accepted?: unknown; duplicate?: unknown };
      if (typeof body.accepted === 'number') accepted = body.accepted;
      duplicate = body.duplicate === true;
    } catch {
      // a 2xx means the batch was taken even when the body is not the expected JSON
    }
    return { kind: 'ack', accepted, duplicate };
  }
  const error = `status-${status}`;
  // 408, 429 and 5xx are "not now": the batch was not taken and may be sent again
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs };
  }
  return { kind: 'refused', error };
}

/** `retry-after` as delay-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** TLS verification failures: retrying cannot fix them, the summary should say so plainly. */
const UNTRUSTED_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Short error kinds for thrown network errors, so the summary groups them usefully. */
export function networkErrorKind(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNTRUSTED_CERT_CODES.has(code)) return 'tls-untrusted-certificate';
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'connection-refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'ERR_HTTP2_STREAM_CANCEL':
    case 'ERR_HTTP2_GOAWAY_SESSION':
    case 'ERR_HTTP2_SESSION_ERROR':
    case 'ERR_HTTP2_STREAM_ERROR':
    case 'ERR_HTTP2_INVALID_SESSION':
      return 'connection-lost';
    default:
      return typeof code === 'string' ? code.toLowerCase() : 'network-error';
  }
}

/** The URL path to POST to: `/ingest` appended to the base path unless already there. */
export function ingestPath(url: URL): string {
  const base = url.pathname.replace(/\/+$/, '');
  return base.endsWith('/ingest') ? base : `${base}/ingest`;
}
