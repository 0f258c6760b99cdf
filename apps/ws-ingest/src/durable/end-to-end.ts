// System 2's end-to-end mode, built at start when DATA_DIR is set: reads the durable watermark back
// (a missing or corrupt one is a warning, never a crash: the server then gives batches from before
// this start the classic guarantee), starts a new epoch, puts the last recorded windows back into
// the history, records the new life durably before anything is acknowledged, and from then on
// publishes through the DurablePublisher.
import { resolve } from 'node:path';
import type { WindowRing } from '@ingestlab/aggregation';
import type { Window } from '@ingestlab/metric-schema';
import type { FastifyBaseLogger } from 'fastify';
import type { CrashPoint } from '../config.js';
import { CrashHook } from './crash-hook.js';
import { DurablePublisher } from './durable-publisher.js';
import { EpochBook, type Judgement } from './epoch-book.js';
import { UnpublishedFolds } from './unpublished-folds.js';
import { WATERMARK_FILE, ensureDataDir, readWatermark } from './watermark-file.js';

export interface EndToEndOptions {
  dataDir: string;
  crashAt: CrashPoint | null;
  ring: WindowRing;
  /** Sends a window to the viewers and counts it (the ring push is done here, in order). */
  publish: (window: Window) => void;
  log: FastifyBaseLogger;
}

/** How a replayed batch was judged, counted for /metrics. */
export type ReplayCounts = Record<Judgement, number>;

export class EndToEnd {
  readonly folds = new UnpublishedFolds();
  readonly replays: ReplayCounts = { published: 0, open: 0, lost: 0, unknown: 0 };
  /** Commit frames sent (over every connection). */
  commitsSent = 0;
  /** Set by the connections: told after each durable publication. */
  onCommit: (epoch: number, upTo: number) => void = () => {};

  private constructor(
    readonly dir: string,
    readonly book: EpochBook,
    readonly publisher: DurablePublisher,
    /** What the start found: `found`, `missing` or `corrupt`. */
    readonly startedFrom: 'found' | 'missing' | 'corrupt',
  ) {}

  static async open(options: EndToEndOptions): Promise<EndToEnd> {
    const dir = resolve(options.dataDir);
    const { log } = options;
    try {
      await ensureDataDir(dir);
    } catch (error) {
      throw new Error(`DATA_DIR ${dir} cannot be created: ${(error as Error).message}`);
    }
    const read = await readWatermark(dir);
    const previous = read.kind === 'found' ? read.state : null;
    if (read.kind === 'missing') {
      log.warn(
        { dataDir: dir },
        `no ${WATERMARK_FILE} in DATA_DIR (a first start, or the file was removed): batches acknowledged before this start and sent again are counted again (the classic guarantee); end-to-end from now on`,
      );
    } else if (read.kind === 'corrupt') {
      log.warn(
        { dataDir: dir, reason: read.reason, movedTo: read.movedTo },
        `${WATERMARK_FILE} is unreadable and was set aside: batches acknowledged before this start and sent again are counted again (the classic guarantee); end-to-end from now on`,
      );
    }
    const book = EpochBook.after(previous, Date.now());
    // The last recorded publication may not have reached the viewers (a crash after the write):
    // it goes back into the history, so snapshots and /api/history carry it.
    const restored = previous?.windows ?? [];
    for (const window of restored) options.ring.push(window);
    const endToEnd: EndToEnd = new EndToEnd(
      dir,
      book,
      new DurablePublisher({
        dir,
        book,
        lastWindows: restored,
        publish: options.publish,
        committed: (epoch, upTo) => {
          endToEnd.folds.published(upTo);
          endToEnd.onCommit(epoch, upTo);
        },
        hook: new CrashHook(options.crashAt),
        log,
      }),
      read.kind,
    );
    try {
      await endToEnd.publisher.record();
    } catch (error) {
      throw new Error(`DATA_DIR ${dir} is not writable: ${(error as Error).message}`);
    }
    log.info(
      { dataDir: dir, epoch: book.epoch, upTo: book.upTo, restoredWindows: restored.length },
      'end-to-end acknowledgements on: watermark recorded for this life',
    );
    return endToEnd;
  }
}
