// HTTP/2 ingest with node:http2: cleartext with prior knowledge (http://) or TLS with ALPN h2
// (https://). Many concurrent streams per session; several sessions used round-robin; a session
// that dies is replaced on the next attempt.
import http2, { type ClientHttp2Session } from 'node:http2';
import { classifyHttpAnswer, contentTypeOf, ingestPath, networkErrorKind } from './http-answers.js';
import type { AttemptResult, ConnectionHooks, EncodedBatch, TransportOptions, Wire } from './types.js';

export function createH2Wire(url: URL, options: TransportOptions, hooks?: ConnectionHooks): Wire {
  const sessionCount = Math.max(1, options.sessions ?? 1);
  const sessions: (ClientHttp2Session | undefined)[] = new Array(sessionCount).fill(undefined);
  const path = ingestPath(url);
  const tls = url.protocol === 'https:';
  const contentType = contentTypeOf(options.encoding);
  let turn = 0;
  let closed = false;
  // streams of a failed session only see a generic cancel; the session's own error says why
  const sessionErrors = new WeakMap<ClientHttp2Session, Error>();

  const open = (slot: number): ClientHttp2Session => {
    const session = http2.connect(url.origin, {
      ...(tls
        ? {
            rejectUnauthorized: !options.insecure,
            ALPNProtocols: ['h2'],
            ...(options.ca ? { ca: options.ca } : {}),
          }
        : {}),
    });
    // errors reach the streams too, where they are counted; an unhandled 'error' would crash
    session.on('error', (error) => sessionErrors.set(session, error));
    let connected = false;
    session.once('connect', () => {
      connected = true;
      hooks?.opened();
    });
    session.on('close', () => {
      if (connected) hooks?.lost();
      if (sessions[slot] === session) sessions[slot] = undefined;
    });
    session.on('goaway', () => {
      if (sessions[slot] === session) sessions[slot] = undefined;
    });
    sessions[slot] = session;
    return session;
  };

  const pick = (): ClientHttp2Session => {
    const slot = turn;
    turn = (turn + 1) % sessionCount;
    const session = sessions[slot];
    return session && !session.closed && !session.destroyed ? session : open(slot);
  };

  return {
    attempt(batch: EncodedBatch, timeoutMs: number): Promise<AttemptResult> {
      const body = batch.body;
      return new Promise((resolve) => {
        let settled = false;
        let status = 0;
        let retryAfter: string | string[] | undefined;
        let text = '';
        const finish = (result: AttemptResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(result);
        };
        const timer = setTimeout(() => {
          finish({ kind: 'retry', error: 'timeout' });
          stream?.close(http2.constants.NGHTTP2_CANCEL);
        }, timeoutMs);
        let stream: http2.ClientHttp2Stream | undefined;
        let session: ClientHttp2Session | undefined;
        const failure = (error?: Error): AttemptResult => {
          const cause = (session && sessionErrors.get(session)) ?? error;
          return { kind: 'retry', error: cause ? networkErrorKind(cause) : 'connection-lost' };
        };
        try {
          if (closed) throw Object.assign(new Error('transport closed'), { code: 'closed' });
          const headers: http2.OutgoingHttpHeaders = {
            ':method': 'POST',
            ':path': path,
            'content-type': contentType,
            'content-length': body.length,
            // lets System 1 rate-limit per producer before reading the body
            'x-producer': batch.producer,
          };
          if (options.token) headers.authorization = `Bearer ${options.token}`;
          session = pick();
          stream = session.request(headers);
        } catch (error) {
          finish({ kind: 'retry', error: networkErrorKind(error) });
          return;
        }
        stream.setEncoding('utf8');
        stream.on('response', (responseHeaders) => {
          status = Number(responseHeaders[':status'] ?? 0);
          retryAfter = responseHeaders['retry-after'];
        });
        stream.on('data', (chunk: string) => {
          text += chunk;
        });
        stream.on('end', () => {
          finish(
            status
              ? classifyHttpAnswer(status, retryAfter, text, batch.samples)
              : { kind: 'retry', error: 'no-response' },
          );
        });
        // deferred a turn: a failing session emits its own error after its streams' errors
        stream.on('error', (error) => setImmediate(() => finish(failure(error))));
        stream.on('close', () => setImmediate(() => finish(failure())));
        stream.end(body);
      });
    },
    async close() {
      closed = true;
      await Promise.all(
        sessions.map(
          (session) =>
            new Promise<void>((resolve) => {
              if (!session || session.destroyed) return resolve();
              const force = setTimeout(() => session.destroy(), 2000);
              session.close(() => {
                clearTimeout(force);
                resolve();
              });
            }),
        ),
      );
    },
  };
}
