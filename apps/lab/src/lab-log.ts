// The lab's record of what happened: every action (who asked, when, how it ended) and every marker
// the charts draw (actions and recoveries, each on the systems it touched). Bounded, newest last.
import type { LabAction, LabActionRecord, LabMarker } from '@ingestlab/metric-schema';

const KEEP = 500;

export type SystemId = 's1' | 's2';

export class LabLog {
  readonly #actions: LabActionRecord[] = [];
  readonly #markers: LabMarker[] = [];
  #next = 1;
  /** Told about every line worth a terminal line (the lab prints them). */
  onLine: (text: string) => void = () => {};

  /** Takes an action in as queued and returns its record (the id is `a<n>`). */
  add(action: LabAction, by: LabActionRecord['by'], label: string): LabActionRecord {
    const record: LabActionRecord = {
      id: `a${this.#next++}`,
      at: Date.now(),
      by,
      action,
      label,
      status: 'queued',
    };
    this.#actions.push(record);
    if (this.#actions.length > KEEP) this.#actions.shift();
    return record;
  }

  running(record: LabActionRecord): void {
    record.status = 'running';
  }

  done(record: LabActionRecord): void {
    record.status = 'done';
    record.finishedAt = Date.now();
    this.onLine(`${record.id} done: ${record.label}`);
  }

  failed(record: LabActionRecord, error: string): void {
    record.status = 'failed';
    record.finishedAt = Date.now();
    record.error = error;
    this.onLine(`${record.id} failed: ${record.label}: ${error}`);
  }

  /** A vertical marker on the charts of `systems`. */
  mark(systems: SystemId[], kind: LabMarker['kind'], label: string, at = Date.now()): void {
    if (systems.length === 0) return;
    this.#markers.push({ at, systems, kind, label });
    if (this.#markers.length > KEEP) this.#markers.shift();
    this.onLine(`${kind === 'recovery' ? '↺' : '▶'} ${label} (${systems.join(', ')})`);
  }

  get actions(): readonly LabActionRecord[] {
    return this.#actions;
  }

  get markers(): readonly LabMarker[] {
    return this.#markers;
  }
}
