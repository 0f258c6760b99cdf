// Actions run one at a time, in the order they came: a fault asked for while a load change is still
// starting waits for it, so two actions never interleave into a state neither meant. A queue that is
// already long refuses more (the caller answers 409), rather than growing without end.
import type { LabAction, LabActionRecord } from '@ingestlab/metric-schema';
import type { LabLog } from '../lab-log.js';

export type Perform = (action: LabAction, record: LabActionRecord) => Promise<void>;

export class QueueFullError extends Error {}

export class ActionQueue {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;

  constructor(
    private readonly log: LabLog,
    private readonly perform: Perform,
    /** Most actions waiting at once. Default 8. */
    private readonly maxWaiting = 8,
  ) {}

  get waiting(): number {
    return this.#waiting;
  }

  /** Queues the action; the record is returned at once (status `queued`), its outcome lands in it. */
  submit(action: LabAction, by: LabActionRecord['by'], label: string): LabActionRecord {
    if (this.#waiting >= this.maxWaiting) {
      throw new QueueFullError(`${this.#waiting} actions are already waiting; try again when they are done`);
    }
    const record = this.log.add(action, by, label);
    this.#waiting++;
    this.#tail = this.#tail.then(async () => {
      this.log.running(record);
      try {
        await this.perform(action, record);
        this.log.done(record);
      } catch (error) {
        this.log.failed(record, (error as Error).message);
      } finally {
        this.#waiting--;
      }
    });
    return record;
  }

  /** Resolves once every action queued so far has finished. */
  idle(): Promise<void> {
    return this.#tail;
  }
}
