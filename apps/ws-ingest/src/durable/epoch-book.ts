// Which windows are published, by server life. Each start of System 2 with a DATA_DIR is a new
// epoch; an end-to-end ack names its epoch and window end, and so does a producer's replay of it.
// Window ends alone cannot tell lives apart (a server restarted within a second reopens the window
// that died with the old one), so the book keeps, for this life and the earlier ones it knows, the
// last window end written durably before its publication: at or below it, published; above it, the
// window died unpublished with that life.
import type { EpochMark } from './watermark-file.js';

/** Earlier lives remembered; a replay naming an older one is folded again (the classic guarantee). */
export const MAX_EARLIER_EPOCHS = 64;

export type Judgement =
  /** Its window is published (this life or an earlier one): acknowledge as a duplicate, do not count. */
  | 'published'
  /** Acknowledged by this life into a window not yet published: this life's duplicate index knows it. */
  | 'open'
  /** Its window died unpublished with an earlier life: fold it again (once: the duplicate index then knows it). */
  | 'lost'
  /** An epoch this server does not know (its watermark file was lost or is older): fold, as classic. */
  | 'unknown';

export class EpochBook {
  /** This life's watermark: the last window end written durably (inherited from the previous life at start). */
  upTo: number | null;
  private readonly earlier: Map<number, number | null>;

  constructor(
    readonly epoch: number,
    inheritedUpTo: number | null,
    earlier: readonly EpochMark[],
  ) {
    this.upTo = inheritedUpTo;
    this.earlier = new Map(earlier.slice(0, MAX_EARLIER_EPOCHS).map((mark) => [mark.epoch, mark.upTo]));
  }

  /** A new life after `previous` (null: no readable watermark), with an epoch unique among those known. */
  static after(previous: { current: EpochMark; earlier: EpochMark[] } | null, now: number): EpochBook {
    if (!previous) return new EpochBook(now, null, []);
    const epoch = Math.max(now, previous.current.epoch + 1);
    return new EpochBook(epoch, previous.current.upTo, [previous.current, ...previous.earlier]);
  }

  judge(epoch: number, windowEnd: number): Judgement {
    if (epoch === this.epoch) return this.upTo !== null && windowEnd <= this.upTo ? 'published' : 'open';
    if (!this.earlier.has(epoch)) return 'unknown';
    const upTo = this.earlier.get(epoch) ?? null;
    return upTo !== null && windowEnd <= upTo ? 'published' : 'lost';
  }

  /** This life's mark and the earlier ones (newest first), as the watermark file keeps them. */
  marks(): { current: EpochMark; earlier: EpochMark[] } {
    const earlier: EpochMark[] = [];
    for (const [epoch, upTo] of this.earlier) earlier.push({ epoch, upTo });
    return { current: { epoch: this.epoch, upTo: this.upTo }, earlier };
  }
}
