// One system's feed as the page sees it: connection status, the last frame's age, errors worth
// showing, and the bounded window buffer. Pure: the network layer feeds it frames and events.
import type { SystemName, Window as MetricWindow } from '@ingestlab/metric-schema';
import { DEFAULT_WINDOW_MS } from '@ingestlab/metric-schema';
import { type ParsedFrame, parseFrame } from './parse-frame.js';
import { WindowBuffer } from './window-buffer.js';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'error';

export interface FeedOptions {
  /** The system this column expects (a hello naming another one is shown as an error). */
  expect: SystemName;
  /** Most windows held (older ones are dropped). Default 3600: an hour of 1 s windows. */
  capacity?: number;
  /** Consecutive failed reconnects after which the badge says offline. Default 5. */
  offlineAfterAttempts?: number;
}

/** What a frame changed, so the caller knows what to redraw or fetch. */
export interface FrameEffect {
  /** Windows were added or replaced. */
  windows: boolean;
  /** A snapshot arrived: the caller may fetch /api/history to cover a longer range. */
  snapshot: boolean;
}

const NOTHING: FrameEffect = { windows: false, snapshot: false };

export class Feed {
  readonly buffer: WindowBuffer;
  readonly expect: SystemName;
  status: ConnectionStatus = 'connecting';
  system: SystemName | null = null;
  windowMs: number = DEFAULT_WINDOW_MS;
  /** Client clock (ms) when the last frame of any kind arrived. */
  lastFrameAt: number | null = null;
  /** The last error worth showing, with the client time it happened. */
  error: { message: string; at: number; fatal: boolean } | null = null;
  errorCount = 0;
  /** Window frames received since the page opened (snapshot windows not counted). */
  windowFrames = 0;
  /** The window carried by the most recent `window` frame. */
  lastWindow: MetricWindow | null = null;
  #helloSeen = false;
  readonly #offlineAfter: number;

  constructor(options: FeedOptions) {
    this.expect = options.expect;
    this.buffer = new WindowBuffer(options.capacity ?? 3600);
    this.#offlineAfter = options.offlineAfterAttempts ?? 5;
  }

  /** A new connection attempt has opened its socket or stream; frames will follow. */
  opened(): void {
    this.#helloSeen = false;
  }

  /** The connection dropped; `attempt` is the count of consecutive failures so far. */
  lost(attempt: number): void {
    this.#helloSeen = false;
    if (this.error?.fatal) return; // keep the reason on screen, it explains why nothing flows
    this.status = attempt >= this.#offlineAfter ? 'offline' : 'reconnecting';
  }

  /** Applies one frame's text received at client time `now`. */
  receive(text: string, now: number): FrameEffect {
    return this.apply(parseFrame(text), now);
  }

  /** Applies one frame already decoded and checked (either encoding) at client time `now`. */
  apply(parsed: ParsedFrame, now: number): FrameEffect {
    if (!parsed.ok) {
      this.#fail(parsed.error, now, parsed.fatal);
      return NOTHING;
    }
    this.lastFrameAt = now;
    const frame = parsed.frame;
    if (frame.type === 'hello') {
      if (frame.system !== this.expect) {
        this.#fail(`expected ${this.expect} but this URL serves ${frame.system}`, now, false);
      } else if (this.error?.fatal) {
        this.error = null;
      }
      // A restarted server with another window length: old windows would not line up.
      if (frame.windowMs !== this.windowMs) this.buffer.clear();
      this.windowMs = frame.windowMs;
      this.system = frame.system;
      this.status = 'live';
      this.#helloSeen = true;
      return NOTHING;
    }
    if (frame.type === 'heartbeat') return NOTHING;
    if (!this.#helloSeen) {
      this.#fail(`${frame.type} frame before hello`, now, false);
      return NOTHING;
    }
    if (frame.type === 'snapshot') {
      this.buffer.merge(frame.windows);
      return { windows: frame.windows.length > 0, snapshot: true };
    }
    this.buffer.insert(frame.window);
    this.windowFrames++;
    this.lastWindow = frame.window;
    return { windows: true, snapshot: false };
  }

  /** Windows from `/api/history` (already validated) merged in. */
  mergeHistory(windows: readonly MetricWindow[]): void {
    this.buffer.merge(windows);
  }

  /** A fatal error (wrong protocol) also turns the badge to error. */
  #fail(message: string, now: number, fatal: boolean): void {
    this.errorCount++;
    // A lesser error must not hide the reason nothing is drawn.
    if (this.error?.fatal && !fatal) return;
    this.error = { message, at: now, fatal };
    if (fatal) this.status = 'error';
  }
}
