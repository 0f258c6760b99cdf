// One keep-alive HTTP/1.1 connection of a producer, on node:net (or node:tls for https): requests are
// written whole (head and body in one system call) and answered in order, up to `pipelining` at a time.
// Why not undici: per request it cost 70–110 µs of CPU against 30–40 µs here (1,000 connections,
// measured on this project's 2-core machine), and a 10,000-host fleet sends 10,000 requests a second
// from a generator that shares those cores with the system it measures.
import net from 'node:net';
import tls from 'node:tls';
import { watchDeadlines } from '../deadlines.js';
import { networkErrorKind } from './http-answers.js';
import { BadResponse, type HttpResponse, ResponseReader } from './http1-response-reader.js';
import type { ConnectionHooks, TransportOptions } from './types.js';

export type Exchange = HttpResponse | { error: string };

interface Pending {
  /** performance.now() after which the request times out. */
  deadline: number;
  settle(result: Exchange): void;
}

export class Http1Connection {
  #socket: net.Socket | undefined;
  #reader = new ResponseReader();
  readonly #pending: Pending[] = [];
  /** Why the current socket failed, once it has (the error that comes before 'close'). */
  #error: unknown;
  #closed = false;
  #unwatch: (() => void) | undefined;

  constructor(
    private readonly url: URL,
    private readonly options: TransportOptions,
    private readonly hooks?: ConnectionHooks,
  ) {}

  /** Requests written and not answered yet. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Writes one request (its head, then its body) and resolves with its answer or an error kind. */
  exchange(head: string, body: Buffer, timeoutMs: number): Promise<Exchange> {
    return new Promise((resolve) => {
      if (this.#closed) return resolve({ error: 'closed' });
      const socket = this.#socket ?? this.#open();
      this.#unwatch ??= watchDeadlines((now) => this.#expireOverdue(now));
      this.#pending.push({ deadline: performance.now() + timeoutMs, settle: resolve });
      socket.cork();
      socket.write(head, 'latin1');
      socket.write(body);
      socket.uncork();
    });
  }

  /** Requests are answered in order, so only the oldest can be overdue first. */
  #expireOverdue(now: number): void {
    const oldest = this.#pending[0];
    if (!oldest || oldest.deadline > now || !this.#socket) return;
    // an HTTP/1.1 request cannot be taken back: the connection goes, and with it what queued behind
    this.#pending.shift();
    oldest.settle({ error: 'timeout' });
    this.#drop(this.#socket);
  }

  close(): void {
    this.#closed = true;
    this.#unwatch?.();
    if (this.#socket) this.#drop(this.#socket);
  }

  #open(): net.Socket {
    const port = Number(this.url.port) || (this.url.protocol === 'https:' ? 443 : 80);
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    const socket =
      this.url.protocol === 'https:'
        ? tls.connect({
            host,
            port,
            ...(net.isIP(host) ? {} : { servername: host }),
            rejectUnauthorized: !this.options.insecure,
            ALPNProtocols: ['http/1.1'],
            ...(this.options.ca ? { ca: this.options.ca } : {}),
          })
        : net.connect({ host, port });
    socket.setNoDelay(true);
    this.#socket = socket;
    this.#reader = new ResponseReader();
    this.#error = undefined;
    let connected = false;
    socket.once(this.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      connected = true;
      this.hooks?.opened();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
    socket.on('end', () => {
      if (this.#socket !== socket) return;
      const last = this.#reader.end();
      if (last) this.#deliver(socket, last);
      this.#drop(socket);
    });
    socket.on('error', (error) => {
      if (this.#socket === socket) this.#error ??= error;
    });
    socket.on('close', () => {
      if (connected) this.hooks?.lost();
      // still current: it closed before anything dropped it, so what it carried is lost
      if (this.#socket === socket) this.#drop(socket);
    });
    return socket;
  }

  #onData(socket: net.Socket, chunk: Buffer): void {
    if (this.#socket !== socket) return;
    let responses: HttpResponse[];
    try {
      responses = this.#reader.push(chunk);
    } catch (error) {
      this.#error = error;
      this.#drop(socket);
      return;
    }
    for (const response of responses) this.#deliver(socket, response);
  }

  #deliver(socket: net.Socket, response: HttpResponse): void {
    if (this.#socket !== socket) return;
    const entry = this.#pending.shift();
    if (!entry) {
      this.#error = new BadResponse('a response nobody asked for');
      this.#drop(socket);
      return;
    }
    entry.settle(response);
    // the server said it closes: requests written behind this one will not be answered here
    if (response.close) this.#drop(socket);
  }

  /** Ends the current socket; every request it carried fails with the reason (and is retried by the sender). */
  #drop(socket: net.Socket): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    socket.destroy();
    if (this.#pending.length === 0) return;
    const error = this.#error;
    const kind =
      error instanceof BadResponse ? 'bad-response' : error ? networkErrorKind(error) : 'connection-lost';
    const all = this.#pending.splice(0);
    for (const entry of all) entry.settle({ error: kind });
  }
}
