// The answer of `GET /shard/partials`: a shard's (or a merger's) closed partial windows after a given
// start, with its accounting. The merger validates it, since a shard is another process on the network.
import type { PartialWindow } from '@ingestlab/aggregation';
import { type Stats, StatsSchema } from '@ingestlab/metric-schema';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const HistogramSnapshotSchema = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  sum: Type.Number(),
  // Infinity (an empty histogram's extremes) becomes null in JSON.
  min: Type.Union([Type.Number(), Type.Null()]),
  max: Type.Union([Type.Number(), Type.Null()]),
  buckets: Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 1 })),
});

const PartialWindowSchema = Type.Object({
  start: Type.Integer(),
  windowMs: Type.Integer({ minimum: 1 }),
  samples: Type.Integer({ minimum: 0 }),
  metrics: Type.Object({
    cpu: HistogramSnapshotSchema,
    mem: HistogramSnapshotSchema,
    disk: HistogramSnapshotSchema,
    netIn: HistogramSnapshotSchema,
    netOut: HistogramSnapshotSchema,
  }),
  age: HistogramSnapshotSchema,
  hostCpu: Type.Record(Type.String(), Type.Number()),
});

export const ClosedPartialSchema = Type.Object({
  partial: PartialWindowSchema,
  /** Batches refused while the window was open. */
  rejected: Type.Integer({ minimum: 0 }),
  /** Names of the sources missing from it (a merger's answer; empty from a shard). */
  missing: Type.Array(Type.String()),
});

export const PartialsAnswerSchema = Type.Object({
  /** Changes when the process restarts: the merger then knows the open window it held is gone. */
  bootId: Type.String(),
  windowMs: Type.Integer({ minimum: 1 }),
  stats: StatsSchema,
  /** Closed windows with start > `after`, oldest first. */
  windows: Type.Array(ClosedPartialSchema),
});

export interface ClosedPartial {
  partial: PartialWindow;
  rejected: number;
  missing: string[];
}

export type PartialsAnswer = Omit<Static<typeof PartialsAnswerSchema>, 'windows' | 'stats'> & {
  stats: Stats;
  windows: ClosedPartial[];
};

const compiled = TypeCompiler.Compile(PartialsAnswerSchema);

/** Checks a shard's answer; returns the first problem in words, or null when it is valid. */
export function partialsAnswerProblem(value: unknown): string | null {
  const error = compiled.Errors(value).First();
  return error ? `${error.path || '/'}: ${error.message}` : null;
}
