// `pnpm bench:s2-dup-memory`: heap bytes per remembered (producer, seq) pair in System 2's duplicate
// index, for the capacity model (a shard of 10,000 per-host producers sending one batch a second holds
// 6 million pairs over the 10-minute horizon). Run with --expose-gc for a clean figure.
import { DuplicateIndex } from '../../../apps/ws-ingest/src/core/duplicate-index.js';

const PRODUCERS = 10_000;
const SECONDS = 100; // one batch per producer per second: 1,000,000 pairs
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage().heapUsed;
const index = new DuplicateIndex({ horizonMs: 600_000, maxEntries: 100_000_000 });
const names = Array.from({ length: PRODUCERS }, (_, i) => `web-${String(i).padStart(5, '0')}`);
for (let s = 0; s < SECONDS; s++) {
  for (let p = 0; p < PRODUCERS; p++) index.add(names[p]!, s, 1_800_000_000_000 + s * 1000);
}
gc?.();
const bytes = process.memoryUsage().heapUsed - before;
console.log(
  `duplicate index: ${index.size.toLocaleString('en')} pairs, ${(bytes / 2 ** 20).toFixed(1)} MiB heap, ` +
    `${(bytes / index.size).toFixed(1)} bytes per pair` +
    (gc ? '' : ' (no --expose-gc: rough)'),
);
