// How a batch is kept in Redis between its admission and its fold: the one place that chooses the
// stored form. Today it is the request's JSON text as received (validated, never re-serialised); a
// binary body type would change these two functions and nothing else.
import type { Batch } from '@ingestlab/metric-schema';
import type { AdmittedBatch } from './ingest-queue.js';

/** The form a batch is stored in under its group's key. */
export function storedBatch(batch: AdmittedBatch): string {
  return batch.json;
}

/** The batches of a group as stored (LRANGE of its payload, without the admit window in front). */
export function readStoredBatches(stored: readonly string[]): Batch[] {
  // One parse for the whole group is cheaper than one per batch.
  return JSON.parse(`[${stored.join(',')}]`) as Batch[];
}
