// `/stats`: the accounting both systems expose, used to prove nothing acknowledged was lost.
import { type Static, Type } from '@sinclair/typebox';
import { SystemNameSchema } from './frames.js';
import { ShardStateSchema } from './shards.js';

export const StatsSchema = Type.Object(
  {
    system: SystemNameSchema,
    /** Samples taken in and acknowledged. */
    accepted: Type.Integer({ minimum: 0 }),
    /** Samples that reached the aggregate the dashboards see. */
    aggregated: Type.Integer({ minimum: 0 }),
    /** Batches refused, of every kind (invalid, too large, not JSON, bad token, shed under load). */
    rejected: Type.Integer({ minimum: 0 }),
    /** Batches recognised as repeats of a known `(producer, seq)`. */
    duplicates: Type.Integer({ minimum: 0 }),
    /** Distinct producers seen. */
    producers: Type.Integer({ minimum: 0 }),
    /** Batches waiting in the queue (System 1); 0 for System 2. */
    queueDepth: Type.Integer({ minimum: 0 }),
    uptimeMs: Type.Integer({ minimum: 0 }),
    /** Merged System 2 only: each shard's state and counts, which the figures above sum (optional). */
    shards: Type.Optional(Type.Array(ShardStateSchema)),
  },
  { $id: 'Stats' },
);
export type Stats = Static<typeof StatsSchema>;
