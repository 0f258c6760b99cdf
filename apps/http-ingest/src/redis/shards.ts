// System 1's shards: K sets of keys, each under its own hash tag, so each lives in one Redis Cluster
// slot and K of them spread over the masters. A producer's batches always go to one shard (a stable
// hash of its name), so its (producer, seq) repeat memory stays in one slot. K = 1 on a plain Redis
// keeps the one unsharded tag, `{<prefix>:s1}`, exactly as before.
import keySlot from 'cluster-key-slot';
import { type Keys, keysFor } from './keys.js';

const SLOTS = 16_384;

/**
 * The shard label of shard `n` of `count`: `<n>.<j>`, with the smallest j whose tag's slot lies well
 * inside the n-th of `count` equal slot ranges. `redis-cli --cluster create` splits slots into equal
 * ranges, one per master, so with count = masters each master holds one shard's queue (count = 2 x
 * masters: two each). Any other slot layout still works, only less evenly. Every process computes
 * the same labels from (prefix, count).
 */
export function shardLabel(prefix: string, n: number, count: number): string {
  for (let j = 0; ; j += 1) {
    const label = `${n}.${j}`;
    const slot = keySlot(`{${prefix}:s1:${label}}`);
    // A margin of 8 slots keeps clear of the ranges' rounded edges.
    const lowest = Math.floor(((slot - 8) * count) / SLOTS);
    const highest = Math.floor(((slot + 8) * count) / SLOTS);
    if (lowest === n && highest === n) return label;
  }
}

/** The keys of every shard: one unsharded set when count is 1 and `sharded` is false. */
export function shardKeys(prefix: string, count: number, sharded: boolean): Keys[] {
  if (count === 1 && !sharded) return [keysFor(prefix)];
  return Array.from({ length: count }, (_, n) => keysFor(prefix, shardLabel(prefix, n, count)));
}

/** The shard of a producer: FNV-1a of its name, modulo the shard count. Stable across processes. */
export function shardOf(producer: string, count: number): number {
  if (count === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < producer.length; i += 1) {
    hash ^= producer.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}
