// What `GET /api/history?range=` answers, the same in both systems.
import { type Static, Type } from '@sinclair/typebox';
import { HISTORY_RANGES, type HistoryRange } from './limits.js';
import { WindowSchema } from './window.js';

/** The range `/api/history` serves when the request names none. */
export const DEFAULT_HISTORY_RANGE: HistoryRange = '5m';

export const HistoryRangeSchema = Type.Union(
  (Object.keys(HISTORY_RANGES) as HistoryRange[]).map((range) => Type.Literal(range)),
);

/** The closed windows held for `range`, oldest first (fewer when the system has not run that long). */
export const HistoryAnswerSchema = Type.Object(
  {
    range: HistoryRangeSchema,
    windowMs: Type.Integer({ minimum: 1 }),
    windows: Type.Array(WindowSchema),
  },
  { $id: 'HistoryAnswer' },
);
export type HistoryAnswer = Static<typeof HistoryAnswerSchema>;
