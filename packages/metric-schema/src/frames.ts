// Dashboard frames sent over `/live` (WebSocket) and `/live/sse` by both systems.
import { type Static, Type } from '@sinclair/typebox';
import { SYSTEM_NAMES } from './limits.js';
import { WindowSchema } from './window.js';

export const SystemNameSchema = Type.Union(SYSTEM_NAMES.map((name) => Type.Literal(name)));

export const HelloFrameSchema = Type.Object({
  type: Type.Literal('hello'),
  system: SystemNameSchema,
  protocol: Type.Integer({ minimum: 1 }),
  windowMs: Type.Integer({ minimum: 1 }),
});
export type HelloFrame = Static<typeof HelloFrameSchema>;

export const SnapshotFrameSchema = Type.Object({
  type: Type.Literal('snapshot'),
  windows: Type.Array(WindowSchema),
});
export type SnapshotFrame = Static<typeof SnapshotFrameSchema>;

export const WindowFrameSchema = Type.Object({
  type: Type.Literal('window'),
  window: WindowSchema,
});
export type WindowFrame = Static<typeof WindowFrameSchema>;

export const HeartbeatFrameSchema = Type.Object({
  type: Type.Literal('heartbeat'),
  ts: Type.Integer(),
});
export type HeartbeatFrame = Static<typeof HeartbeatFrameSchema>;

export const DashboardFrameSchema = Type.Union([
  HelloFrameSchema,
  SnapshotFrameSchema,
  WindowFrameSchema,
  HeartbeatFrameSchema,
]);
export type DashboardFrame = Static<typeof DashboardFrameSchema>;
