// Every Redis key System 1 uses, in one place. All of them (BullMQ's too, through its prefix) carry
// one hash tag, `{<KEY_PREFIX>:s1}`, so on a Redis Cluster every script and transaction touches a
// single slot. Sharded (see shards.ts), each shard has its own tag (`{<KEY_PREFIX>:s1:<label>}`) and
// so its own queue, counters, repeat memory and window accounts; what the one publisher writes (the
// history, the publication fence) and the pub/sub channels stay under the unsharded tag.

export interface Keys {
  /** The hash tag every key below starts with; also BullMQ's key prefix, so its queue shares the slot. */
  tag: string;
  /** Samples acknowledged (counter). */
  accepted: string;
  /** Samples folded into a window aggregate (counter). */
  aggregated: string;
  /** Batches refused, every kind (counter). */
  rejected: string;
  /** Batches recognised as repeats (counter). */
  duplicates: string;
  /** Set of producer names seen. */
  producers: string;
  /** Batches admitted and not yet folded: the queue depth in batches (counter). */
  pending: string;
  /** Groups folded (counter). */
  jobsFolded: string;
  /** Groups no BullMQ job covers yet, by admission time (sorted set; see ingest-queue.ts). */
  unjobbed: string;
  /** Start of the newest window a publisher has closed; admits and folds for it or older go to a later one. */
  closedUpto: string;
  /** Closed windows, newest first (LPUSH + LTRIM). */
  history: string;
  /** Pub/sub channel carrying each closed window as JSON. */
  channel: string;
  /** Pub/sub channel on which a fold announces the start of a window it completed (see fold.lua). */
  notices: string;
  /** A producer's repeat memory (a hash: floor page, seq bitmaps by page, last admission per page). */
  dedupe(producer: string): string;
  /** The prefix of `dedupe` keys, for the admit script. */
  dedupePrefix: string;
  /** A group's admitted batches (a list: its admit window, then the stored batches): the claim check a job points to. */
  group(groupId: string): string;
  /**
   * Window hash: the aggregate (histogram buckets, sums, extremes, sample count) and the window's
   * accounts (`a` batches admitted while it was open, `f` of those folded, `late` samples folded into
   * it after their own window was published).
   */
  windowHash(start: number): string;
  /** Window host -> highest CPU (sorted set, ZADD GT). */
  windowHosts(start: number): string;
  /** Batches refused while the window was open (counter). */
  windowRejected(start: number): string;
  /** The prefix of the window keys (`<windowPrefix><start>`), for the scripts that pick a window themselves. */
  windowPrefix: string;
  /** Prefix for @fastify/rate-limit's keys. */
  rateLimit: string;
}

/** The keys of the unsharded system, or of one shard of it when `shard` (its label) is given. */
export function keysFor(prefix: string, shard?: string): Keys {
  const main = `{${prefix}:s1}`;
  const p = shard === undefined ? main : `{${prefix}:s1:${shard}}`;
  return {
    tag: p,
    accepted: `${p}:accepted`,
    aggregated: `${p}:aggregated`,
    rejected: `${p}:rejected`,
    duplicates: `${p}:duplicates`,
    producers: `${p}:producers`,
    pending: `${p}:pending`,
    jobsFolded: `${p}:jobs-folded`,
    unjobbed: `${p}:unjobbed`,
    closedUpto: `${p}:closed-upto`,
    history: `${main}:history`,
    // Channels are not keys (a cluster broadcasts PUBLISH to every node): one for all shards.
    channel: `${main}:windows`,
    notices: `${main}:window-complete`,
    dedupe: (producer) => `${p}:dd:${producer}`,
    dedupePrefix: `${p}:dd:`,
    group: (groupId) => `${p}:group:${groupId}`,
    windowHash: (start) => `${p}:win:${start}`,
    windowHosts: (start) => `${p}:win:${start}:hosts`,
    windowRejected: (start) => `${p}:win:${start}:rejected`,
    windowPrefix: `${p}:win:`,
    rateLimit: `${main}:rl:`,
  };
}
