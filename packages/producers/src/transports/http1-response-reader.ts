// Reads HTTP/1.1 responses off a keep-alive connection, incrementally and in order: status, the
// headers the producers act on (retry-after, connection: close) and the body, framed by
// content-length, chunked transfer coding or the end of the connection (RFC 9112 §6). Informational
// (1xx) responses are skipped; 204 and 304 have no body. Kept small on purpose: a per-host fleet
// reads thousands of these a second, and this costs a fraction of a general client (see
// http1-connection.ts).

export interface HttpResponse {
  status: number;
  /** The `retry-after` header, when present. */
  retryAfter: string | undefined;
  body: string;
  /** The server will close the connection after this response (`connection: close`, or HTTP/1.0). */
  close: boolean;
}

/** A response this reader cannot make sense of: the connection must be dropped. */
export class BadResponse extends Error {
  readonly code = 'bad-response';
}

/** Longest status line plus headers accepted, bytes. */
const MAX_HEAD = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

type State =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; remaining: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' }
  | { kind: 'until-close' };

interface Partial {
  status: number;
  retryAfter: string | undefined;
  close: boolean;
  body: Buffer[];
}

export class ResponseReader {
  #buffer: Buffer = Buffer.alloc(0);
  #state: State = { kind: 'head' };
  #current: Partial | null = null;

  /** Takes the next bytes from the connection; returns the responses they complete, in order. */
  push(chunk: Buffer): HttpResponse[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const done: HttpResponse[] = [];
    for (;;) {
      const response = this.#step();
      if (response === undefined) break;
      if (response !== null) done.push(response);
    }
    return done;
  }

  /** The connection ended: completes a response framed by the end of the connection, if one is open. */
  end(): HttpResponse | undefined {
    if (this.#state.kind !== 'until-close' || !this.#current) return undefined;
    this.#current.body.push(this.#buffer);
    this.#buffer = Buffer.alloc(0);
    return this.#finish();
  }

  /** True between responses: nothing half-read. */
  get idle(): boolean {
    return this.#state.kind === 'head' && this.#buffer.length === 0;
  }

  /** One step of progress: a response (finished), null (progress, nothing finished), undefined (needs more bytes). */
  #step(): HttpResponse | null | undefined {
    const state = this.#state;
    const buffer = this.#buffer;
    switch (state.kind) {
      case 'head': {
        const end = buffer.indexOf(HEAD_END);
        if (end < 0) {
          if (buffer.length > MAX_HEAD) throw new BadResponse('response head over 64 KiB');
          return undefined;
        }
        const head = buffer.toString('latin1', 0, end);
        this.#buffer = buffer.subarray(end + 4);
        return this.#startResponse(head);
      }
      case 'length': {
        if (buffer.length === 0) return undefined;
        const take = Math.min(state.remaining, buffer.length);
        this.#current?.body.push(buffer.subarray(0, take));
        this.#buffer = buffer.subarray(take);
        state.remaining -= take;
        return state.remaining === 0 ? this.#finish() : undefined;
      }
      case 'chunk-size': {
        const end = buffer.indexOf(CRLF);
        if (end < 0) {
          if (buffer.length > 1024) throw new BadResponse('chunk size line too long');
          return undefined;
        }
        const line = buffer.toString('latin1', 0, end);
        const size = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(line);
        if (!size) throw new BadResponse(`bad chunk size line "${line.slice(0, 40)}"`);
        this.#buffer = buffer.subarray(end + 2);
        const remaining = Number.parseInt(size[1] ?? '0', 16);
        this.#state = remaining === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining };
        return null;
      }
      case 'chunk-data': {
        if (buffer.length === 0) return undefined;
        const take = Math.min(state.remaining, buffer.length);
        this.#current?.body.push(buffer.subarray(0, take));
        this.#buffer = buffer.subarray(take);
        state.remaining -= take;
        if (state.remaining === 0) this.#state = { kind: 'chunk-end' };
        return state.remaining === 0 ? null : undefined;
      }
      case 'chunk-end': {
        if (buffer.length < 2) return undefined;
        if (buffer[0] !== 13 || buffer[1] !== 10) throw new BadResponse('chunk not followed by CRLF');
        this.#buffer = buffer.subarray(2);
        this.#state = { kind: 'chunk-size' };
        return null;
      }
      case 'trailers': {
        const end = buffer.indexOf(CRLF);
        if (end < 0) return undefined;
        this.#buffer = buffer.subarray(end + 2);
        // trailer fields are skipped; the empty line ends the message
        return end === 0 ? this.#finish() : null;
      }
      case 'until-close': {
        if (buffer.length > 0) this.#current?.body.push(buffer);
        this.#buffer = Buffer.alloc(0);
        return undefined;
      }
    }
  }

  #startResponse(head: string): HttpResponse | null {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (!statusLine) throw new BadResponse(`bad status line "${(lines[0] ?? '').slice(0, 60)}"`);
    const status = Number(statusLine[2]);
    let length: number | undefined;
    let chunked = false;
    let retryAfter: string | undefined;
    let close = statusLine[1] === '0';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const colon = line.indexOf(':');
      if (colon <= 0) throw new BadResponse(`bad header line "${line.slice(0, 60)}"`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (length !== undefined && length !== Number(value))) {
          throw new BadResponse(`bad content-length "${value}"`);
        }
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = /(^|,)\s*chunked\s*$/i.test(value);
      } else if (name === 'retry-after') {
        retryAfter = value;
      } else if (name === 'connection') {
        close = /(^|,)\s*close\s*(,|$)/i.test(value) || (close && !/keep-alive/i.test(value));
      }
    }
    // 1xx: an interim answer; the real one follows
    if (status < 200) return null;
    this.#current = { status, retryAfter, close, body: [] };
    if (status === 204 || status === 304) return this.#finish();
    if (chunked) this.#state = { kind: 'chunk-size' };
    else if (length !== undefined) {
      if (length === 0) return this.#finish();
      this.#state = { kind: 'length', remaining: length };
    } else {
      this.#state = { kind: 'until-close' };
      this.#current.close = true;
    }
    return null;
  }

  #finish(): HttpResponse {
    const current = this.#current as Partial;
    this.#current = null;
    this.#state = { kind: 'head' };
    const body =
      current.body.length === 1
        ? (current.body[0] as Buffer).toString('utf8')
        : Buffer.concat(current.body).toString('utf8');
    return { status: current.status, retryAfter: current.retryAfter, body, close: current.close };
  }
}
