// Windows in Redis: folding a bulk of groups into window aggregates (workers), closing a window once
// it is complete or has waited its longest (publishers), and the bounded history of closed windows
// that snapshots and /api/history read.
import { type PartialWindow, WindowAggregate } from '@ingestlab/aggregation';
import type { Window } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';
import type { Keys } from '../redis/keys.js';
import { CLOSE_LUA, FOLD_LUA, PUBLISH_LUA } from './scripts.js';
import { partialFromRedis } from './window-codec.js';

/** Window aggregates nobody closed (all publishers down) vanish after an hour, or two windows if longer. */
export function windowTtlSeconds(windowMs: number): number {
  return Math.max(3600, Math.ceil((2 * windowMs) / 1000));
}

/** A script defined with its number of keys: called with the keys, then the arguments. */
type ScriptCommand = (...keysThenArgs: (string | number)[]) => Promise<unknown>;

/** One group of a bulk fold, as the fold script takes it. */
export interface FoldGroupArgs {
  /** The group's id (its payload is `Keys.group(id)`). */
  id: string;
  /** The window it was admitted into. */
  admitWindow: number;
  /** The window it is folded into: its admit window, or a later one when that was closed already (late). */
  target: number;
  samples: number;
}

/** One target window of a bulk fold: its start, its samples and the fold script's section for it. */
export interface FoldSection {
  target: number;
  samples: number;
  /** foldSection(aggregate) (see window-codec). */
  section: string;
}

export type FoldScriptReply =
  | { kind: 'folded'; batches: number }
  | { kind: 'already-folded'; groups: number[] }
  | { kind: 'closed'; closedUpto: number };

export interface ClosedAggregate {
  partial: PartialWindow;
  rejected: number;
  /** Samples folded into this window after their own window had been published. */
  late: number;
  /** False when it was published at its maximum wait with admitted batches not yet folded. */
  complete: boolean;
  /** Redis's clock when it was closed. */
  closedAt: number;
}

export type CloseOutcome =
  | { kind: 'closed'; aggregate: ClosedAggregate }
  | { kind: 'closed-already'; closedUpto: number }
  | { kind: 'not-yet'; admitted: number; folded: number; retryInMs: number };

export class WindowStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    readonly windowMs: number,
    private readonly historyWindows = 3600,
  ) {
    if (!('foldBulk' in redis)) redis.defineCommand('foldBulk', { lua: FOLD_LUA });
    if (!('closeWindow' in redis)) redis.defineCommand('closeWindow', { numberOfKeys: 4, lua: CLOSE_LUA });
    if (!('publishWindow' in redis))
      redis.defineCommand('publishWindow', { numberOfKeys: 2, lua: PUBLISH_LUA });
  }

  private command(name: 'foldBulk' | 'closeWindow' | 'publishWindow'): ScriptCommand {
    return (this.redis as unknown as Record<string, ScriptCommand>)[name]!.bind(this.redis);
  }

  /** The stored payload of each group (its admit window, then its batches); empty when gone. One round trip. */
  async readGroups(ids: readonly string[]): Promise<string[][]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.lrange(this.keys.group(id), 0, -1);
    const results = (await pipeline.exec()) ?? [];
    return ids.map((_, i) => {
      const [error, list] = results[i] ?? [new Error('no reply')];
      if (error) throw error;
      return list as string[];
    });
  }

  /**
   * Runs fold.lua once: every group folded, or nothing (see its header). `now` is for tests; Redis's
   * clock otherwise.
   */
  async foldScript(
    groups: readonly FoldGroupArgs[],
    sections: readonly FoldSection[],
    now?: number,
  ): Promise<FoldScriptReply> {
    const { keys } = this;
    const args: (string | number)[] = [
      4 + groups.length,
      keys.closedUpto,
      keys.aggregated,
      keys.pending,
      keys.jobsFolded,
    ];
    for (const group of groups) args.push(keys.group(group.id));
    args.push(now ?? '', this.windowMs, windowTtlSeconds(this.windowMs), keys.windowPrefix, keys.notices);
    for (const group of groups) args.push(group.admitWindow, group.target, group.samples);
    args.push(sections.length);
    for (const section of sections) args.push(section.target, section.samples, section.section);
    const reply = (await this.command('foldBulk')(...args)) as number[];
    if (reply[0] === 1) return { kind: 'folded', batches: reply[1]! };
    if (reply[0] === 0) return { kind: 'already-folded', groups: reply.slice(1).map((g) => g - 1) };
    return { kind: 'closed', closedUpto: Number(reply[1]) };
  }

  /**
   * Takes a window's aggregate away for publication once it is complete (ended, and every batch
   * admitted while it was open folded) or has waited `maxWaitMs` after its end. `now` is for tests.
   * With `keepSeconds` (a shard of a sharded system) the closed aggregate is kept that long instead,
   * and returned again to any later caller, until `forget` deletes it.
   */
  async close(start: number, maxWaitMs: number, now?: number, keepSeconds = 0): Promise<CloseOutcome> {
    const reply = (await this.command('closeWindow')(
      this.keys.closedUpto,
      this.keys.windowHash(start),
      this.keys.windowHosts(start),
      this.keys.windowRejected(start),
      start,
      this.windowMs,
      maxWaitMs,
      now ?? '',
      keepSeconds,
    )) as [number, ...unknown[]];
    if (reply[0] === 0) return { kind: 'closed-already', closedUpto: Number(reply[1]) };
    if (reply[0] === 1) {
      const [, admitted, folded, retryInMs] = reply as [1, number, number, number];
      return { kind: 'not-yet', admitted, folded, retryInMs };
    }
    const [, hash, hosts, rejected, complete, closedAt] = reply as [
      2,
      string[],
      string[],
      string,
      number,
      string,
    ];
    let late = 0;
    for (let i = 0; i + 1 < hash.length; i += 2) if (hash[i] === 'late') late = Number(hash[i + 1]);
    return {
      kind: 'closed',
      aggregate: {
        partial: partialFromRedis(start, this.windowMs, hash, hosts),
        rejected: Number(rejected),
        late,
        complete: complete === 1,
        closedAt: Number(closedAt),
      },
    };
  }

  /** Start of the newest closed window, or null when none was ever closed. */
  async closedUpto(): Promise<number | null> {
    const value = await this.redis.get(this.keys.closedUpto);
    return value === null ? null : Number(value);
  }

  /** Deletes a kept closed aggregate (see close's keepSeconds) once its window is published. */
  async forget(start: number): Promise<void> {
    await this.redis.del(
      this.keys.windowHash(start),
      this.keys.windowHosts(start),
      this.keys.windowRejected(start),
    );
  }

  /**
   * Publishes a window merged from shards unless one is published for its start already (the
   * closed-upto of these keys is then the publication fence): history and announcement in one step.
   * True when this call published it.
   */
  async publishOnce(window: Window): Promise<boolean> {
    const reply = await this.command('publishWindow')(
      this.keys.closedUpto,
      this.keys.history,
      window.start,
      JSON.stringify(window),
      this.historyWindows,
      this.keys.channel,
    );
    return reply === 1;
  }

  /** Stores a closed window in the bounded history and announces it to every replica, in one transaction. */
  async store(window: Window): Promise<boolean> {
    const json = JSON.stringify(window);
    const results = await this.redis
      .multi()
      .lpush(this.keys.history, json)
      .ltrim(this.keys.history, 0, this.historyWindows - 1)
      .publish(this.keys.channel, json)
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('history write discarded');
    return true;
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
  return WindowAggregate.fromPartial(closed.partial).close({
    ...context,
    rejected: closed.rejected,
    late: closed.late,
  });
}
