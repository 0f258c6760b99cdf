// Low-level clients for hostile requests: HTTP/1.1 over a raw socket (so nothing is normalised or
// refused client-side), and HTTP/2 (h2c or TLS) sessions with per-stream answers.
import { connect as http2Connect, type ClientHttp2Session, constants } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

export interface Answer {
  /** HTTP status, or 0 when the connection ended without a status line. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Connection error code when there was no answer (ECONNRESET...). */
  error?: string;
}

/**
 * Sends a raw HTTP/1.1 request (head written as given, body bytes after it) on a fresh connection
 * and reads the answer until the server closes or a complete response arrived.
 */
export function rawHttp(
  port: number,
  head: string,
  body: Buffer | null = null,
  timeoutMs = 15_000,
  /** Resolve as soon as the response head arrived (for streams such as SSE that never end). */
  headOnly = false,
): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponse(received), ...(error && received.length === 0 ? { error } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (responseComplete(received) || (headOnly && received.includes('\r\n\r\n'))) finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    socket.on('close', () => finish('closed'));
    socket.once('connect', async () => {
      socket.write(head);
      if (!body) return;
      // A server may answer from the head alone (401, 413 on content-length, 415) and close; a body
      // still streaming in would then be reset (EPIPE) and the answer thrown away with it. So: a
      // moment for such an early answer whenever the body is more than one step (a 54 KB body once
      // lost its 415 this way on a loaded machine), then the body in 16 KiB steps, stopping as soon
      // as any answer arrives.
      const pause = body.length > 16 * 1024 ? 200 : 0;
      for (let waited = 0; waited < pause && received.length === 0 && !settled; waited += 10) {
        await new Promise((r) => setTimeout(r, 10));
      }
      for (let at = 0; at < body.length && received.length === 0 && !settled; at += 16 * 1024) {
        const ok = socket.write(body.subarray(at, at + 16 * 1024));
        if (!ok) await new Promise((r) => socket.once('drain', r).once('close', r));
        await new Promise((r) => setImmediate(r));
      }
    });
  });
}

function parseResponse(bytes: Buffer): Omit<Answer, 'error'> {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end < 0) return { status: 0, headers: {}, body: '' };
  const lines = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(lines[0]?.split(' ')[1] ?? 0),
    headers,
    body: Buffer.from(text.slice(end + 4), 'latin1').toString(),
  };
}

function responseComplete(bytes: Buffer): boolean {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
  if (length) return bytes.length >= end + 4 + Number(length[1]);
  return /\r\ntransfer-encoding:\s*chunked/i.test(text.slice(0, end)) ? text.endsWith('0\r\n\r\n') : false;
}

/** A POST /ingest head for rawHttp. */
export function postHead(
  path: string,
  bodyLength: number | null,
  headers: Record<string, string> = {},
): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  if (bodyLength !== null) lines.push(`Content-Length: ${bodyLength}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function getHead(path: string, headers: Record<string, string> = {}): string {
  const lines = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** An HTTP/2 session: h2c with prior knowledge for http:, TLS (any certificate) for https:. */
export function h2Session(url: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(url, { rejectUnauthorized: false });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** One request on a session; resolves with the answer or the stream's error code. */
export function h2Request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body: Buffer | string | null,
  timeoutMs = 15_000,
): Promise<Answer> {
  return new Promise((resolve) => {
    const stream = session.request(headers);
    let status = 0;
    let answerHeaders: Record<string, string> = {};
    let text = '';
    const timer = setTimeout(() => {
      stream.close(constants.NGHTTP2_CANCEL);
      resolve({ status, headers: answerHeaders, body: text, error: 'timeout' });
    }, timeoutMs);
    stream.on('response', (h) => {
      status = Number(h[':status'] ?? 0);
      answerHeaders = Object.fromEntries(
        Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
      );
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => {
      clearTimeout(timer);
      resolve({ status, headers: answerHeaders, body: text });
    });
    stream.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ status, headers: answerHeaders, body: text, error: error.code ?? error.message });
    });
    if (body !== null) stream.end(body);
    else stream.end();
  });
}

/** One HTTP/1.1-over-TLS request (node:https offers no ALPN, so the server falls back to HTTP/1.1; any certificate). */
export function https1Request(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string,
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { method, headers, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const answerHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          answerHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
        resolve({ status: res.statusCode ?? 0, headers: answerHeaders, body: text });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: 0, headers: {}, body: '', error: error.code ?? error.message }),
    );
    req.end(body);
  });
}
