// A closed window: what dashboards draw, identical in shape from both systems.
import { type Static, Type } from '@sinclair/typebox';
import { WindowShardsSchema } from './shards.js';

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

/** Summary of one metric over one window; null when the window held no samples. */
export const MetricStatsSchema = Type.Object({
  avg: Type.Number(),
  p50: Type.Number(),
  p95: Type.Number(),
  p99: Type.Number(),
  max: Type.Number(),
});
export type MetricStats = Static<typeof MetricStatsSchema>;
const NullableStats = Type.Union([MetricStatsSchema, Type.Null()]);

export const TopHostSchema = Type.Object({ host: Type.String(), cpu: Type.Number() });
export type TopHost = Static<typeof TopHostSchema>;

export const PipelineSchema = Type.Object({
  /** Samples that reached the aggregate while this window was open. */
  accepted: Type.Integer({ minimum: 0 }),
  /** Batches refused while this window was open (every kind of refusal). */
  rejected: Type.Integer({ minimum: 0 }),
  /** Samples per second that reached the aggregate in this window. */
  ingestRate: Type.Number({ minimum: 0 }),
  /** Milliseconds from a sample's `ts` to this window's publication; null without samples. */
  lagP50: Nullable(Type.Number()),
  lagP99: Nullable(Type.Number()),
  /** Batches waiting in System 1's queue at publication; 0 for System 2. */
  queueDepth: Type.Integer({ minimum: 0 }),
  /** Dashboard connections at publication (optional: added after protocol 1 was fixed). */
  viewers: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Frames skipped for slow viewers since the process started (optional, cumulative). */
  droppedFrames: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Samples in this window that were taken in while an earlier window was open, and reached the
   * aggregate after that window had been published (System 1 publishes a window at its maximum wait
   * even if some of its batches are still queued). Counted in `accepted` too. Optional: added after
   * protocol 1 was fixed; System 2 leaves it out (nothing is ever late there).
   */
  late: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type Pipeline = Static<typeof PipelineSchema>;

export const WindowSchema = Type.Object(
  {
    start: Type.Integer(),
    end: Type.Integer(),
    samples: Type.Integer({ minimum: 0 }),
    hosts: Type.Integer({ minimum: 0 }),
    cpu: NullableStats,
    mem: NullableStats,
    disk: NullableStats,
    netIn: NullableStats,
    netOut: NullableStats,
    top: Type.Array(TopHostSchema, { maxItems: 5 }),
    pipeline: PipelineSchema,
    /** Merged System 2 only: which shards this window holds (optional: added after protocol 1 was fixed). */
    shards: Type.Optional(WindowShardsSchema),
  },
  { $id: 'Window' },
);
export type Window = Static<typeof WindowSchema>;
