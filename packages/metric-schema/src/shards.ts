// What a merged System 2 (shards behind nginx, windows merged by the merger) adds to the contract:
// which shards a window holds, and each shard's state in /stats. Both are optional, so a single
// process's frames and /stats keep their protocol-1 shape.
import { type Static, Type } from '@sinclair/typebox';

/** Which shards a merged window holds: a missing shard's samples are not in it (a short window, named). */
export const WindowShardsSchema = Type.Object({
  /** Shards the merger is configured with. */
  expected: Type.Integer({ minimum: 0 }),
  /** Shards whose partial window for this start was merged. */
  reported: Type.Integer({ minimum: 0 }),
  /** Names of the shards whose partial is not in this window (down, restarted, or later than the wait). */
  missing: Type.Array(Type.String()),
});
export type WindowShards = Static<typeof WindowShardsSchema>;

/** One shard as the merger sees it, in the merger's /stats. */
export const ShardStateSchema = Type.Object({
  /** The merger's name for it (SHARD_URLS). */
  name: Type.String(),
  url: Type.String(),
  /** `up`: its last poll answered; `down`: it did not (its windows are published without it); `unknown`: not reached yet. */
  state: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('unknown')]),
  /** Its own /stats counts, summed over its restarts as seen by the merger. */
  accepted: Type.Integer({ minimum: 0 }),
  aggregated: Type.Integer({ minimum: 0 }),
  rejected: Type.Integer({ minimum: 0 }),
  duplicates: Type.Integer({ minimum: 0 }),
  producers: Type.Integer({ minimum: 0 }),
  /** Times the merger saw it come back as a new process (its open window was lost each time). */
  restarts: Type.Integer({ minimum: 0 }),
  /** Start of the last window it reported; null before the first. */
  lastWindow: Type.Union([Type.Integer(), Type.Null()]),
  /** Its partial windows that arrived after that window was published without it (their samples are not shown). */
  lateWindows: Type.Integer({ minimum: 0 }),
  /** Why the last poll failed, while down. */
  error: Type.Optional(Type.String()),
});
export type ShardState = Static<typeof ShardStateSchema>;
