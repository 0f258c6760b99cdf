// Minimal ingest clients for tests, one per protocol, until (and besides) @ingestlab/producers:
// HTTP/1.1 over undici, and HTTP/2 (h2c prior knowledge or TLS with ALPN) over node:http2.
import { connect, type ClientHttp2Session } from 'node:http2';
import { Agent, request } from 'undici';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface IngestClient {
  post(path: string, body: string, headers?: Record<string, string>): Promise<Answer>;
  get(path: string): Promise<Answer>;
  /** The protocol the server actually spoke ('1.1' or '2'). */
  lastHttpVersion: string;
  close(): Promise<void>;
}

export function http1Client(base: string, options: { ca?: string | Buffer } = {}): IngestClient {
  const dispatcher = new Agent({
    connections: 16,
    pipelining: 1,
    connect: options.ca ? { ca: options.ca } : {},
  });
  const client: IngestClient = {
    lastHttpVersion: '1.1',
    async post(path, body, headers = {}) {
      const r = await request(`${base}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
        dispatcher,
      });
      return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
    },
    async get(path) {
      const r = await request(`${base}${path}`, { dispatcher });
      return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
    },
    async close() {
      await dispatcher.close();
    },
  };
  return client;
}

export function http2Client(base: string, options: { ca?: string | Buffer } = {}): IngestClient {
  let session: ClientHttp2Session | null = null;
  const open = () => {
    if (!session || session.closed || session.destroyed) {
      session = connect(base, options.ca ? { ca: options.ca } : {});
      session.on('error', () => {});
    }
    return session;
  };
  const send = (headers: Record<string, string>, body?: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const stream = open().request(headers);
      let status = 0;
      let responseHeaders: Answer['headers'] = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        responseHeaders = h as Answer['headers'];
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString() }),
      );
      stream.on('error', reject);
      stream.end(body);
    });
  return {
    lastHttpVersion: '2',
    post: (path, body, headers = {}) =>
      send({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers }, body),
    get: (path) => send({ ':method': 'GET', ':path': path }),
    async close() {
      const s = session as ClientHttp2Session | null;
      if (s && !s.closed) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

/** Posts a batch until it is acknowledged (202), retrying 429/503 and network errors like a producer. */
export async function postUntilAcked(
  client: IngestClient,
  body: string,
  options: { maxTries?: number; onRefused?: (answer: Answer) => void } = {},
): Promise<{ accepted: number; duplicate: boolean; tries: number }> {
  const maxTries = options.maxTries ?? 400;
  for (let tries = 1; tries <= maxTries; tries += 1) {
    let answer: Answer | null = null;
    try {
      answer = await client.post('/ingest', body);
    } catch {
      answer = null;
    }
    if (answer?.status === 202)
      return { ...(JSON.parse(answer.body) as { accepted: number; duplicate: boolean }), tries };
    if (answer && answer.status !== 429 && answer.status !== 503) {
      throw new Error(`unexpected answer ${answer.status}: ${answer.body}`);
    }
    if (answer) options.onRefused?.(answer);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`batch not acknowledged after ${maxTries} tries`);
}
