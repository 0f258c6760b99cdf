// A metric sample and the batch that carries 1–1000 of them: the one payload both systems ingest.
import { type Static, Type } from '@sinclair/typebox';
import { MAX_SAMPLES_PER_BATCH, MIN_SAMPLES_PER_BATCH, NAME_MAX_LENGTH, NAME_PATTERN } from './limits.js';

const Name = Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: NAME_PATTERN });
const Percent = Type.Number({ minimum: 0, maximum: 100 });
const BytesPerSecond = Type.Number({ minimum: 0 });

export const SampleSchema = Type.Object(
  {
    host: Name,
    /** Milliseconds since the epoch when the host measured the sample. */
    ts: Type.Integer({ minimum: 0 }),
    cpu: Percent,
    mem: Percent,
    disk: Percent,
    netIn: BytesPerSecond,
    netOut: BytesPerSecond,
  },
  { $id: 'Sample', additionalProperties: false },
);
export type Sample = Static<typeof SampleSchema>;

export const BatchSchema = Type.Object(
  {
    producer: Name,
    /** Increases per producer, one per batch; `(producer, seq)` identifies the batch. */
    seq: Type.Integer({ minimum: 0 }),
    samples: Type.Array(SampleSchema, { minItems: MIN_SAMPLES_PER_BATCH, maxItems: MAX_SAMPLES_PER_BATCH }),
  },
  { $id: 'Batch', additionalProperties: false },
);
export type Batch = Static<typeof BatchSchema>;
