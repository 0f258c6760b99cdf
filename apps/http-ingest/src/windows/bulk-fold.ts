// A bulk fold: the groups of many jobs read in one round trip, pre-aggregated in memory into one
// partial window per target window, and written by one fold.lua call. Exactly once: the script checks
// every group's payload first and folds nothing if one is gone (a retried or stalled job folded it),
// and the bulk is then aggregated again without the groups found folded. A kill at any point leaves
// either all of the bulk folded or none of it.
import { WindowAggregate } from '@ingestlab/aggregation';
import type { Sample } from '@ingestlab/metric-schema';
import { readStoredBatches } from '../queue/payload-codec.js';
import { foldSection } from './window-codec.js';
import type { FoldGroupArgs, FoldSection, WindowStore } from './window-store.js';

/** What became of one job's group. */
export type FoldOutcome =
  | { kind: 'folded'; start: number; samples: number; late: boolean }
  | { kind: 'already-folded' }
  | { kind: 'empty' };

interface LoadedGroup extends FoldGroupArgs {
  index: number;
  samplesOf: Sample[][];
}

export class BulkFolder {
  /** Reused aggregates, one per target window in a bulk (usually one or two): ~400 KB each. */
  private readonly scratch: WindowAggregate[] = [];

  constructor(private readonly store: WindowStore) {}

  /**
   * Folds the groups of `ids` (one per job) and answers one outcome per id, in order. `now` is for
   * tests (the scripts use Redis's clock otherwise). Rejects when Redis fails: nothing was folded.
   */
  async fold(ids: readonly string[], now?: number): Promise<FoldOutcome[]> {
    const outcomes: FoldOutcome[] = ids.map(() => ({ kind: 'empty' }));
    const stored = await this.store.readGroups(ids);
    let groups: LoadedGroup[] = [];
    // Two jobs may name one group (a sweep's job beside its replica's own, or a job added again when a
    // transaction is retried after a failover): in one bulk it is folded once, by its first mention;
    // fold.lua would otherwise add its samples twice and its batches once.
    const seen = new Set<string>();
    for (let index = 0; index < ids.length; index += 1) {
      const id = ids[index]!;
      if (seen.has(id)) {
        outcomes[index] = { kind: 'already-folded' };
        continue;
      }
      seen.add(id);
      const list = stored[index]!;
      if (list.length < 2) continue; // gone (folded by another run of its job) or never had a new batch
      const batches = readStoredBatches(list.slice(1));
      const samplesOf = batches.map((batch) => batch.samples);
      let samples = 0;
      for (const s of samplesOf) samples += s.length;
      const admitWindow = Number(list[0]);
      groups.push({ index, id, admitWindow, target: admitWindow, samples, samplesOf });
    }
    while (groups.length > 0) {
      const reply = await this.store.foldScript(groups, this.sections(groups), now);
      if (reply.kind === 'folded') {
        for (const g of groups) {
          outcomes[g.index] = {
            kind: 'folded',
            start: g.target,
            samples: g.samples,
            late: g.target !== g.admitWindow,
          };
        }
        return outcomes;
      }
      if (reply.kind === 'already-folded') {
        const gone = new Set(reply.groups);
        for (const i of gone) outcomes[groups[i]!.index] = { kind: 'already-folded' };
        groups = groups.filter((_, i) => !gone.has(i));
      } else {
        // Their window was published at its maximum wait: they go into the first window still open.
        const next = reply.closedUpto + this.store.windowMs;
        for (const g of groups) if (g.target <= reply.closedUpto) g.target = next;
      }
    }
    return outcomes;
  }

  /** One pre-aggregated section per target window. */
  private sections(groups: readonly LoadedGroup[]): FoldSection[] {
    const byTarget = new Map<number, WindowAggregate>();
    for (const group of groups) {
      let aggregate = byTarget.get(group.target);
      if (!aggregate) {
        aggregate = this.scratch[byTarget.size] ?? new WindowAggregate(group.target, this.store.windowMs);
        this.scratch[byTarget.size] = aggregate;
        aggregate.reset(group.target);
        byTarget.set(group.target, aggregate);
      }
      for (const samples of group.samplesOf) aggregate.addAll(samples);
    }
    return [...byTarget].map(([target, aggregate]) => ({
      target,
      samples: aggregate.samples,
      section: foldSection(aggregate),
    }));
  }
}
