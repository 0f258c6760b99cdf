// A WebSocket producer's end-to-end half (`/ingest?commit=1`): batches kept after their ack until a
// commit frame covers their window, and sent again after a reconnect, each after a replay frame that
// names the server life (epoch) and window of its earlier ack, so the server can tell one that is
// published (a duplicate) from one that died with a crashed server's open window (folded again).
// Bodies are kept as the bytes that were sent: nothing is encoded again.
import type WebSocket from 'ws';
import type { EndToEndCounts } from '../counters.js';
import type { Retention } from '../retention.js';
import type { EncodedBatch } from './types.js';

interface Held {
  batch: EncodedBatch;
  /** Server life and window end its latest ack named. */
  epoch: number;
  windowEnd: number;
}

export class WsEndToEnd {
  /** Acknowledged and not yet committed, by seq. */
  private readonly held = new Map<number, Held>();
  /** The server life of the open connection (its first commit frame), and what it committed last. */
  private epoch: number | null = null;
  private committedUpTo = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly retention: Retention,
    private readonly counts: EndToEndCounts,
  ) {}

  /** Batches kept now. */
  get size(): number {
    return this.held.size;
  }

  /** The retention bound is reached: new sends should wait for room(). */
  get full(): boolean {
    return this.retention.full;
  }

  room(signal?: AbortSignal): Promise<boolean> {
    return this.retention.room(signal);
  }

  /** A new connection is open: its server life is not known until its first commit frame. */
  connected(): void {
    this.epoch = null;
    this.committedUpTo = Number.NEGATIVE_INFINITY;
  }

  /**
   * The ack of a batch sent for the first time (or sent plain again after a lost ack): keeps it unless
   * the window it names is already committed. Returns whether it was kept.
   */
  acknowledged(batch: EncodedBatch, windowEnd: number | undefined): boolean {
    if (windowEnd === undefined || this.epoch === null) return false;
    if (windowEnd <= this.committedUpTo) return false;
    this.held.set(batch.seq, { batch, epoch: this.epoch, windowEnd });
    this.retention.hold(batch.body.length);
    this.counts.retained.batches++;
    this.counts.retained.samples += batch.samples;
    return true;
  }

  /** An ack for a seq nobody waits for: a replay's answer. Returns false when it is not one. */
  replayAcknowledged(seq: number, duplicate: boolean, windowEnd: number | undefined): boolean {
    const held = this.held.get(seq);
    if (!held || windowEnd === undefined || this.epoch === null) return false;
    const outcome = duplicate ? this.counts.replayDuplicates : this.counts.refolded;
    outcome.batches++;
    outcome.samples += held.batch.samples;
    held.epoch = this.epoch;
    held.windowEnd = windowEnd;
    if (windowEnd <= this.committedUpTo) this.release(seq, held, this.counts.committed);
    return true;
  }

  /** A commit frame: the first on a connection names its server life. */
  committed(epoch: number, upTo: number | null): void {
    this.epoch = epoch;
    if (upTo === null) return;
    if (upTo > this.committedUpTo) this.committedUpTo = upTo;
    for (const [seq, held] of this.held) {
      if (held.epoch === epoch && held.windowEnd <= upTo) this.release(seq, held, this.counts.committed);
    }
  }

  /** Sends every kept batch again on a new socket, each after its replay frame, before anything else. */
  replay(socket: WebSocket): void {
    for (const held of this.held.values()) {
      socket.send(`{"type":"replay","epoch":${held.epoch},"windowEnd":${held.windowEnd}}`);
      socket.send(held.batch.body, { binary: false });
      this.counts.replayed.batches++;
      this.counts.replayed.samples += held.batch.samples;
    }
  }

  /** The transport closes: what is still kept was never committed. */
  close(): void {
    for (const [seq, held] of this.held) this.release(seq, held, this.counts.uncommitted);
  }

  private release(seq: number, held: Held, into: { batches: number; samples: number }): void {
    this.held.delete(seq);
    this.retention.free(held.batch.body.length);
    into.batches++;
    into.samples += held.batch.samples;
    held.batch.release?.();
  }
}
