// Every Redis key System 1 uses besides BullMQ's own, in one place, under one prefix.

export interface Keys {
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
  /** Jobs (groups) folded (counter). */
  jobsFolded: string;
  /** Start of the newest window a publisher has closed; folds into it or older are refused. */
  closedUpto: string;
  /** Closed windows, newest first (LPUSH + LTRIM). */
  history: string;
  /** Pub/sub channel carrying each closed window as JSON. */
  channel: string;
  /** `SET NX` marker of a `(producer, seq)`; its value is the batch's sample count. */
  seen(producer: string, seq: number): string;
  /** A group's admitted batches (a list of JSON texts): the claim check a job points to. */
  group(groupId: string): string;
  /** Window aggregate hash: histogram buckets, sums, extremes, sample count. */
  windowHash(start: number): string;
  /** Window host -> highest CPU (sorted set, ZADD GT). */
  windowHosts(start: number): string;
  /** Batches refused while the window was open (counter). */
  windowRejected(start: number): string;
  /** Prefix for @fastify/rate-limit's keys. */
  rateLimit: string;
}

export function keysFor(prefix: string): Keys {
  const p = `${prefix}:s1`;
  return {
    accepted: `${p}:accepted`,
    aggregated: `${p}:aggregated`,
    rejected: `${p}:rejected`,
    duplicates: `${p}:duplicates`,
    producers: `${p}:producers`,
    pending: `${p}:pending`,
    jobsFolded: `${p}:jobs-folded`,
    closedUpto: `${p}:closed-upto`,
    history: `${p}:history`,
    channel: `${p}:windows`,
    seen: (producer, seq) => `${p}:seen:${producer}:${seq}`,
    group: (groupId) => `${p}:group:${groupId}`,
    windowHash: (start) => `${p}:win:${start}`,
    windowHosts: (start) => `${p}:win:${start}:hosts`,
    windowRejected: (start) => `${p}:win:${start}:rejected`,
    rateLimit: `${p}:rl:`,
  };
}
