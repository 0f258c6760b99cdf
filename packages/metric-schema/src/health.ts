// What `/healthz` and `/readyz` answer, the same in both systems.
import { type Static, Type } from '@sinclair/typebox';

/** `GET /healthz`: 200 while the process lives. */
export const HealthSchema = Type.Object(
  { status: Type.Literal('ok') },
  { $id: 'Health', additionalProperties: false },
);
export type Health = Static<typeof HealthSchema>;

/** `GET /readyz`: 200 `{status: 'ready'}` when it can take data, else 503 with the reason. */
export const ReadinessSchema = Type.Union(
  [
    Type.Object({ status: Type.Literal('ready') }, { additionalProperties: false }),
    Type.Object(
      { status: Type.Literal('not ready'), reason: Type.String() },
      { additionalProperties: false },
    ),
  ],
  { $id: 'Readiness' },
);
export type Readiness = Static<typeof ReadinessSchema>;
