// The lab's own viewer of one system's /live stream: every published window's sample count, by
// window start, across the system's restarts, and how late each window arrived after its end
// (delivery delay). A viewer can miss windows: while it reconnects (the reconnect's snapshot fills
// them in), or when the system skips frames for a viewer that reads too slowly (a busy lab). So
// whenever window starts jump, and every 10 s anyway, it fills the gaps from /api/history.
import type { Window as MetricWindow } from '@ingestlab/metric-schema';
import { validateDashboardFrame } from '@ingestlab/metric-schema';
import WebSocket from 'ws';

export interface LiveTallyOptions {
  /** http(s) base URL of the system. */
  base: string;
  /** A window arrived live (not from a snapshot): its delivery delay, ms. */
  onWindow?: (window: MetricWindow, delayMs: number) => void;
  /** Connected (true) or lost (false). */
  onStatus?: (connected: boolean) => void;
}

/** Windows kept: a day at one per second is 86,400 numbers, a few MB at most. */
const KEEP_WINDOWS = 86_400;
/** How often the gaps are filled from /api/history even when no jump was seen. */
const BACKFILL_EVERY_MS = 10_000;

export class LiveTally {
  /** Window start -> [end, samples]. */
  readonly #windows = new Map<number, [number, number]>();
  /** [arrived at, delay ms] of windows that came live. */
  readonly #delays: [number, number][] = [];
  #socket: WebSocket | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #closed = false;
  #connected = false;
  #windowMs = 1000;
  #total = 0;
  #newestEnd = 0;
  #backfillTimer: NodeJS.Timeout | null = null;
  #backfilling = false;

  constructor(private readonly options: LiveTallyOptions) {}

  start(): void {
    this.#connect();
    this.#backfillTimer = setInterval(() => void this.backfill(), BACKFILL_EVERY_MS);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#backfillTimer) clearInterval(this.#backfillTimer);
    this.#socket?.terminate();
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Window length from the system's hello. */
  get windowMs(): number {
    return this.#windowMs;
  }

  /** Samples in every window seen. */
  get total(): number {
    return this.#total;
  }

  /** End of the newest window seen (ms), 0 before the first. */
  get newestEnd(): number {
    return this.#newestEnd;
  }

  /** Samples in the windows that ended in (from, to]. */
  samplesBetween(from: number, to: number): number {
    let sum = 0;
    for (const [end, samples] of this.#windows.values()) if (end > from && end <= to) sum += samples;
    return sum;
  }

  /** Samples in the windows that started in [from, to). */
  samplesBetweenStarts(from: number, to: number): number {
    let sum = 0;
    for (const [start, [, samples]] of this.#windows) if (start >= from && start < to) sum += samples;
    return sum;
  }

  /** Delivery delays (ms) of windows that arrived between `from` and `to`. */
  delays(from: number, to = Number.POSITIVE_INFINITY): number[] {
    return this.#delays.filter(([at]) => at >= from && at < to).map(([, ms]) => ms);
  }

  /** Fills in windows of the last minute this viewer missed, from the system's /api/history. */
  async backfill(): Promise<void> {
    if (this.#backfilling || this.#closed) return;
    this.#backfilling = true;
    try {
      const response = await fetch(`${this.options.base}/api/history?range=1m`, {
        signal: AbortSignal.timeout(3000),
      });
      if (!response.ok) return;
      const body: unknown = await response.json();
      const windows = Array.isArray(body) ? body : (body as { windows?: unknown } | null)?.windows;
      const checked = validateDashboardFrame({ type: 'snapshot', windows });
      if (checked.ok && checked.value.type === 'snapshot')
        for (const window of checked.value.windows) this.#keep(window);
    } catch {
      // the system is down or slow: the next round tries again
    } finally {
      this.#backfilling = false;
    }
  }

  #keep(window: MetricWindow): void {
    const known = this.#windows.get(window.start);
    this.#total += window.samples - (known?.[1] ?? 0);
    this.#windows.set(window.start, [window.end, window.samples]);
    if (window.end > this.#newestEnd) this.#newestEnd = window.end;
    if (this.#windows.size > KEEP_WINDOWS) {
      const oldest = Math.min(...[...this.#windows.keys()].slice(0, 1000));
      this.#windows.delete(oldest);
    }
  }

  #connect(): void {
    if (this.#closed) return;
    const socket = new WebSocket(`${this.options.base.replace(/^http/, 'ws')}/live`, {
      perMessageDeflate: false,
    });
    this.#socket = socket;
    socket.on('open', () => {
      this.#attempt = 0;
      this.#connected = true;
      this.options.onStatus?.(true);
    });
    socket.on('message', (data) => {
      const arrived = Date.now();
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        return;
      }
      const checked = validateDashboardFrame(parsed);
      if (!checked.ok) return;
      const frame = checked.value;
      if (frame.type === 'hello') this.#windowMs = frame.windowMs;
      else if (frame.type === 'snapshot') for (const window of frame.windows) this.#keep(window);
      else if (frame.type === 'window') {
        // a jump in window starts: frames were skipped for this viewer
        if (this.#newestEnd > 0 && frame.window.start > this.#newestEnd) void this.backfill();
        this.#keep(frame.window);
        const delay = arrived - frame.window.end;
        this.#delays.push([arrived, delay]);
        if (this.#delays.length > KEEP_WINDOWS) this.#delays.shift();
        this.options.onWindow?.(frame.window, delay);
      }
    });
    const lost = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (this.#connected) this.options.onStatus?.(false);
      this.#connected = false;
      if (this.#closed) return;
      // reconnect with backoff: 100 ms doubling to 2 s, so a restarted system is seen within ~2 s
      const delay = Math.min(2000, 100 * 2 ** this.#attempt++);
      this.#timer = setTimeout(() => this.#connect(), delay);
    };
    socket.on('close', lost);
    socket.on('error', lost);
  }
}
