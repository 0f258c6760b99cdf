// One system's live stream over WebSocket or Server-Sent Events, reconnecting with exponential
// backoff and jitter. It hands raw frames (text, or bytes on MessagePack) to the caller; it never
// invents frames.
import { SUBPROTOCOLS } from '@ingestlab/metric-schema';
import { type Encoding, streamEncoding, type Transport } from '../config.js';
import { backoffDelay } from '@ingestlab/producers/backoff';

export interface LiveClientOptions {
  /** The stream's URL for a transport (asked again on every attempt). */
  url(transport: Transport): string;
  transport: Transport;
  /** What the WebSocket asks for (SSE is always JSON). Default json. */
  encoding?: Encoding;
  /** A connection opened; frames follow. `protocol` is the subprotocol the server chose ('' for none, or SSE). */
  onOpen(protocol: string): void;
  onText(text: string): void;
  /** A binary WebSocket frame: MessagePack, when the server chose `ingestlab.msgpack`. */
  onBytes(bytes: Uint8Array): void;
  /** The connection failed or dropped; `attempt` failures in a row, next try after `delayMs`. */
  onLost(attempt: number, delayMs: number): void;
  /** Without any frame for this long the connection counts as dead and is replaced. Default 10 000. */
  staleMs?: number;
  backoff?: BackoffOptions;
}

/** Reconnect delays: exponential with equal jitter, so a crowd of dashboards that lost the same server does not come back in lockstep. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter (ms). Default 500. */
  baseMs?: number;
  /** Largest delay, before jitter (ms). Default 15 000. */
  capMs?: number;
}

/** SSE servers may name their events after the frame type; listen for those too. */
const SSE_EVENT_NAMES = ['hello', 'snapshot', 'window', 'heartbeat'];

export class LiveClient {
  #transport: Transport;
  #encoding: Encoding;
  #generation = 0;
  #failures = 0;
  #socket: WebSocket | null = null;
  #source: EventSource | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  #lastFrameAt = 0;
  #open = false;
  #stopped = true;

  constructor(private readonly options: LiveClientOptions) {
    this.#transport = options.transport;
    this.#encoding = options.encoding ?? 'json';
  }

  get transport(): Transport {
    return this.#transport;
  }

  /** The encoding the stream asks for now (JSON on SSE whatever was chosen). */
  get encoding(): Encoding {
    return streamEncoding(this.#transport, this.#encoding);
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
    const staleMs = this.options.staleMs ?? 10_000;
    this.#watchdog = setInterval(() => {
      if (this.#open && performance.now() - this.#lastFrameAt > staleMs) this.#drop();
    }, 1000);
  }

  stop(): void {
    this.#stopped = true;
    this.#teardown();
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  /** Switches transport or encoding: closes the current stream and connects at once with the new one. */
  switchTo(transport: Transport, encoding: Encoding = this.#encoding): void {
    this.#transport = transport;
    this.#encoding = encoding;
    this.#failures = 0;
    this.#teardown();
    if (!this.#stopped) this.#connect();
  }

  #connect(): void {
    const generation = ++this.#generation;
    const current = () => generation === this.#generation && !this.#stopped;
    const url = this.options.url(this.#transport);
    const opened = (protocol: string) => {
      if (!current()) return;
      this.#open = true;
      this.#lastFrameAt = performance.now();
      this.options.onOpen(protocol);
    };
    const text = (data: unknown) => {
      if (!current()) return;
      this.#lastFrameAt = performance.now();
      this.#failures = 0; // frames flow: the next drop starts the backoff from the beginning
      if (typeof data === 'string') this.options.onText(data);
      else if (data instanceof ArrayBuffer) this.options.onBytes(new Uint8Array(data));
    };
    if (this.#transport === 'ws') {
      let socket: WebSocket;
      try {
        // Offering the subprotocol is the whole negotiation. A server that does not speak it still
        // sends JSON text frames, and those are read as text whatever the handshake said.
        socket =
          this.encoding === 'msgpack' ? new WebSocket(url, [SUBPROTOCOLS.msgpack]) : new WebSocket(url);
      } catch {
        this.#scheduleRetry();
        return;
      }
      socket.binaryType = 'arraybuffer';
      this.#socket = socket;
      socket.onopen = () => opened(socket.protocol);
      socket.onmessage = (event) => text(event.data);
      socket.onclose = () => current() && this.#drop();
    } else {
      const source = new EventSource(url);
      this.#source = source;
      source.onopen = () => opened('');
      source.onmessage = (event) => text(event.data);
      for (const name of SSE_EVENT_NAMES) source.addEventListener(name, (event) => text(event.data));
      // EventSource would retry on its own at a fixed pace; we own the schedule instead.
      source.onerror = () => current() && this.#drop();
    }
  }

  #drop(): void {
    this.#teardown();
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    this.#failures++;
    const { baseMs = 500, capMs = 15_000 } = this.options.backoff ?? {};
    const delay = backoffDelay(this.#failures, baseMs, capMs);
    this.options.onLost(this.#failures, delay);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect();
    }, delay);
  }

  #teardown(): void {
    this.#generation++;
    this.#open = false;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#socket) {
      const socket = this.#socket;
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close();
    }
    this.#socket = null;
    this.#source?.close();
    this.#source = null;
  }
}
