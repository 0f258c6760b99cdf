// Which producers a run has and which thread runs each: per host, one producer per host; pooled,
// N connections each carrying a contiguous share of the hosts. Also how many threads `auto` means.
import { availableParallelism } from 'node:os';
import type { ConnectionModel } from './load-options.js';

export interface SourcePlan {
  /** Producer name, also its identity at the system with `seq`. */
  name: string;
  /** Position among all producers of the run: its place in the ramp. */
  index: number;
  /** Hosts this producer reports for: one per host, a share when pooled. */
  firstHost: number;
  hostCount: number;
}

export interface WorkerPlan {
  workerIndex: number;
  sources: SourcePlan[];
  /** The hosts of all its sources (contiguous). */
  firstHost: number;
  hostCount: number;
}

/** Producers over the whole run. */
export function sourceCount(model: ConnectionModel, hosts: number): number {
  return model === 'per-host' ? hosts : Math.min(model, hosts);
}

/** Batches per thread the `auto` choice aims at: a thread on this class of machine keeps its schedule well below it. */
export const BATCHES_PER_THREAD = 5000;

/**
 * `auto` workers: one thread per BATCHES_PER_THREAD batches per second, at least 1, at most the
 * machine's cores and the number of producers.
 */
export function autoWorkers(
  sources: number,
  batchesPerSecond: number,
  cores = availableParallelism(),
): number {
  const wanted = Math.ceil(batchesPerSecond / BATCHES_PER_THREAD);
  return Math.max(1, Math.min(wanted, cores, sources));
}

/** Splits the run's producers over `workers` threads, each a contiguous range of hosts. */
export function planWorkers(
  model: ConnectionModel,
  hosts: number,
  workers: number,
  prefix: string,
  hostName: (index: number) => string,
): WorkerPlan[] {
  const total = sourceCount(model, hosts);
  const plans: WorkerPlan[] = [];
  for (let w = 0; w < workers; w++) {
    const from = Math.floor((w * total) / workers);
    const to = Math.floor(((w + 1) * total) / workers);
    const sources: SourcePlan[] = [];
    for (let s = from; s < to; s++) {
      if (model === 'per-host') {
        sources.push({ name: `${prefix}-${hostName(s)}`, index: s, firstHost: s, hostCount: 1 });
      } else {
        const firstHost = Math.floor((s * hosts) / total);
        const next = Math.floor(((s + 1) * hosts) / total);
        sources.push({
          name: `${prefix}-${w}-${s - from}`,
          index: s,
          firstHost,
          hostCount: next - firstHost,
        });
      }
    }
    const first = sources[0]?.firstHost ?? 0;
    const last = sources.at(-1);
    plans.push({
      workerIndex: w,
      sources,
      firstHost: first,
      hostCount: last ? last.firstHost + last.hostCount - first : 0,
    });
  }
  return plans;
}
