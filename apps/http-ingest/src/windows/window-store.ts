// Windows in Redis: folding a group into the open window (workers), closing a window once
// (publishers), and the bounded history of closed windows that snapshots and /api/history read.
import { type PartialWindow, partialOf, WindowAggregate, windowStartFor } from '@ingestlab/aggregation';
import type { Batch, Window } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';
import type { Keys } from '../redis/keys.js';
import { CLOSE_LUA, FOLD_LUA } from './scripts.js';
import { foldArguments, partialFromRedis } from './window-codec.js';

/** Window aggregates nobody closed (all publishers down) vanish after an hour, or two windows if longer. */
export function windowTtlSeconds(windowMs: number): number {
  return Math.max(3600, Math.ceil((2 * windowMs) / 1000));
}

/** A script defined with its number of keys: called with the keys, then the arguments. */
type ScriptCommand = (...keysThenArgs: (string | number)[]) => Promise<unknown>;

export type FoldOutcome =
  | { kind: 'folded'; start: number; batches: number; samples: number }
  | { kind: 'already-folded' }
  | { kind: 'empty' };

export interface ClosedAggregate {
  partial: PartialWindow;
  rejected: number;
}

export class WindowStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    readonly windowMs: number,
    private readonly historyWindows = 3600,
  ) {
    if (!('foldGroup' in redis)) redis.defineCommand('foldGroup', { numberOfKeys: 7, lua: FOLD_LUA });
    if (!('closeWindow' in redis)) redis.defineCommand('closeWindow', { numberOfKeys: 4, lua: CLOSE_LUA });
  }

  private command(name: 'foldGroup' | 'closeWindow'): ScriptCommand {
    return (this.redis as unknown as Record<string, ScriptCommand>)[name]!.bind(this.redis);
  }

  /**
   * Folds a group's batches into the window open now (arrival time). Exactly once per group: the
   * script deletes the payload as it folds, and a retried job finds it gone. If a publisher closed
   * that window meanwhile, the group goes into the next open one instead.
   */
  async foldGroup(group: string, now: () => number = Date.now): Promise<FoldOutcome> {
    const groupKey = this.keys.group(group);
    const texts = await this.redis.lrange(groupKey, 0, -1);
    if (texts.length === 0) return { kind: 'empty' };
    const samples = texts.flatMap((text) => (JSON.parse(text) as Batch).samples);
    let start = windowStartFor(now(), this.windowMs);
    for (;;) {
      // partialOf reuses one scratch aggregate: a fresh one per job would allocate ~400 KB of buckets
      const partial = partialOf(samples, start, this.windowMs);
      const [code, value] = (await this.command('foldGroup')(
        groupKey,
        this.keys.windowHash(start),
        this.keys.windowHosts(start),
        this.keys.closedUpto,
        this.keys.aggregated,
        this.keys.pending,
        this.keys.jobsFolded,
        start,
        windowTtlSeconds(this.windowMs),
        ...foldArguments(partial),
      )) as [number, number];
      if (code === 1) return { kind: 'folded', start, batches: value, samples: partial.samples };
      if (code === 0) return { kind: 'already-folded' };
      // Closed already (a stalled worker, or this machine's clock behind the publisher's).
      start = Math.max(value + this.windowMs, windowStartFor(now(), this.windowMs));
    }
  }

  /** Takes a window's aggregate away for publication; null if another publisher already did. */
  async close(start: number): Promise<ClosedAggregate | null> {
    const reply = (await this.command('closeWindow')(
      this.keys.closedUpto,
      this.keys.windowHash(start),
      this.keys.windowHosts(start),
      this.keys.windowRejected(start),
      start,
    )) as [string[], string[], string] | null;
    if (!reply) return null;
    const [hash, hosts, rejected] = reply;
    return { partial: partialFromRedis(start, this.windowMs, hash, hosts), rejected: Number(rejected) };
  }

  /** Start of the newest closed window, or null when none was ever closed. */
  async closedUpto(): Promise<number | null> {
    const value = await this.redis.get(this.keys.closedUpto);
    return value === null ? null : Number(value);
  }

  /** Stores a closed window in the bounded history and announces it to every replica, in one transaction. */
  async store(window: Window): Promise<void> {
    const json = JSON.stringify(window);
    const results = await this.redis
      .multi()
      .lpush(this.keys.history, json)
      .ltrim(this.keys.history, 0, this.historyWindows - 1)
      .publish(this.keys.channel, json)
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('history write discarded');
  }

  /** The newest `count` closed windows, oldest first. */
  async history(count: number): Promise<Window[]> {
    if (count <= 0) return [];
    const texts = await this.redis.lrange(this.keys.history, 0, count - 1);
    return texts.reverse().map((text) => JSON.parse(text) as Window);
  }
}

/** Closes an aggregate into the contract's Window. */
export function closeAggregate(
  closed: ClosedAggregate,
  context: { publishedAt: number; queueDepth: number; viewers?: number; droppedFrames?: number },
): Window {
  return WindowAggregate.fromPartial(closed.partial).close({ ...context, rejected: closed.rejected });
}
