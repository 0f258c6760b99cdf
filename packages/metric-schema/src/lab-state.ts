// What GET /api/lab/state answers: the load running per system, the lab's processes, the live
// scoreboard, the actions taken and the markers (actions and recoveries) the charts draw.
import { type Static, Type } from '@sinclair/typebox';
import { LAB_TRANSPORTS } from './lab-actions.js';

const Count = Type.Integer({ minimum: 0 });
const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()]);

/** The load one system is getting now. */
export const LabLoadSchema = Type.Object({
  hosts: Count,
  /** As asked (`1/s`), and as the interval between one host's samples. */
  rate: Type.String(),
  intervalMs: Type.Number(),
  batch: Count,
  transport: Type.Union(LAB_TRANSPORTS.map((t) => Type.Literal(t))),
  connections: Type.Union([Type.Literal('per-host'), Count]),
  /** System 2 with end-to-end acknowledgements (producers keep and replay until committed). */
  endToEnd: Type.Optional(Type.Boolean()),
  /** Samples per second the schedule asks for (hosts / interval). */
  targetRate: Type.Number(),
  /** Epoch ms it started; and, for a burst, when it goes back to the load before. */
  since: Type.Integer(),
  until: Type.Optional(Type.Integer()),
  /** An incident playing now, if any. */
  incident: Type.Optional(Type.Object({ kind: Type.String(), until: Type.Integer() })),
});
export type LabLoad = Static<typeof LabLoadSchema>;

export const LAB_PROCESS_STATES = [
  'starting',
  'running',
  'paused',
  'stopping',
  'stopped',
  'killed',
  'exited',
] as const;
export type LabProcessState = (typeof LAB_PROCESS_STATES)[number];

export const LabProcessSchema = Type.Object({
  /** redis, s1-server, s1-worker, s2, load-s1, load-s2. */
  role: Type.String(),
  /** Unique per process slot, e.g. `s1-worker-1`. */
  name: Type.String(),
  pid: Type.Union([Count, Type.Null()]),
  state: Type.Union(LAB_PROCESS_STATES.map((s) => Type.Literal(s))),
  /** Times the lab started it again after it stopped, was killed or exited. */
  restarts: Count,
  /** Epoch ms of the last state change. */
  since: Type.Integer(),
});
export type LabProcess = Static<typeof LabProcessSchema>;

/** What one fault cost, measured once the system has recovered and settled. */
export const LabFaultCostSchema = Type.Object({
  actionId: Type.String(),
  label: Type.String(),
  at: Type.Integer(),
  /** Samples acknowledged that never reached a published window, attributed to this fault; null until settled. */
  lost: Nullable(Type.Number()),
  /**
   * For a death (System 2 killed, Redis emptied): what the dead process held and had not published,
   * acknowledged or not. More than `lost` when acks died with it: their producers sent them again.
   */
  held: Type.Optional(Type.Number()),
  settled: Type.Boolean(),
});
export type LabFaultCost = Static<typeof LabFaultCostSchema>;

export const LabScoreboardSchema = Type.Object({
  /** From the producers (every run since the lab started, plus the ack probe). Counts are samples. */
  producers: Type.Object({
    sent: Count,
    acknowledged: Count,
    refused: Count,
    retried: Count,
    missed: Count,
    failed: Count,
    /** Acknowledged per second, over the last few seconds. */
    ackRate: Type.Number(),
    targetRate: Type.Number(),
  }),
  /** From the system: /stats summed over its lives, and the samples in windows it published. */
  system: Type.Object({
    up: Type.Boolean(),
    accepted: Count,
    /** Samples in the windows the system published (seen by the lab's own /live viewer). */
    aggregated: Count,
    /** Samples waiting in System 1's queue (queueDepth × batch); 0 for System 2. */
    queued: Count,
    queueDepth: Count,
    /** Aggregated per second over the last few windows. */
    rate: Type.Number(),
  }),
  /** Acknowledged but not yet in a published window: the queue and the open window. */
  inFlight: Type.Number(),
  /**
   * Acknowledged and never aggregated. While load runs it is measured at the last window boundary
   * (≈, within about a few milliseconds' worth of samples); once drained it is exact.
   */
  lost: Nullable(Type.Number()),
  /** True when nothing is in flight any more: load stopped, queue empty, last window published. */
  drained: Type.Boolean(),
  /** Ack latency p99 (ms) of the lab's probe host over the last 10 s, and window delivery p99 (ms). */
  ackP99Ms: Nullable(Type.Number()),
  deliveryP99Ms: Nullable(Type.Number()),
  windowMs: Type.Integer(),
  faults: Type.Array(LabFaultCostSchema),
});
export type LabScoreboard = Static<typeof LabScoreboardSchema>;

export const LAB_ACTION_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type LabActionStatus = (typeof LAB_ACTION_STATUSES)[number];

export const LabActionRecordSchema = Type.Object({
  id: Type.String(),
  /** Epoch ms it was taken in. */
  at: Type.Integer(),
  /** Who asked: the API (page or CLI), a scenario, or the lab itself (a timed restart, a burst ending). */
  by: Type.Union([Type.Literal('api'), Type.Literal('scenario'), Type.Literal('lab')]),
  action: Type.Unknown(),
  /** One line for people: "kill a worker", "load 10,000 hosts at 1/s into both". */
  label: Type.String(),
  status: Type.Union(LAB_ACTION_STATUSES.map((s) => Type.Literal(s))),
  finishedAt: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
});
export type LabActionRecord = Static<typeof LabActionRecordSchema>;

/** A labelled vertical marker for the charts (and the CSV export). */
export const LabMarkerSchema = Type.Object({
  at: Type.Integer(),
  systems: Type.Array(Type.Union([Type.Literal('s1'), Type.Literal('s2')])),
  kind: Type.Union([Type.Literal('action'), Type.Literal('recovery')]),
  label: Type.String(),
});
export type LabMarker = Static<typeof LabMarkerSchema>;

export const LabScenarioStatusSchema = Type.Object({
  name: Type.String(),
  title: Type.String(),
  state: Type.Union([
    Type.Literal('playing'),
    Type.Literal('done'),
    Type.Literal('stopped'),
    Type.Literal('failed'),
  ]),
  /** 1-based step now playing (or last played), of `steps`. */
  step: Count,
  steps: Count,
  stepTitle: Type.String(),
  startedAt: Type.Integer(),
  /** When the current step ends (epoch ms), if it has a fixed length. */
  stepEndsAt: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
});
export type LabScenarioStatus = Static<typeof LabScenarioStatusSchema>;

export const LabStateSchema = Type.Object({
  lab: Type.Object({
    pid: Count,
    startedAt: Type.Integer(),
    /** Largest fleet per system this lab takes (422 above it). */
    maxHosts: Count,
    /** Seconds the panel offers for "restart after". */
    restartAfterS: Count,
    /** The fleet the "10,000 servers" preset asks for on this lab. */
    fleetPresetHosts: Count,
    workers: Count,
  }),
  load: Type.Object({
    s1: Type.Union([LabLoadSchema, Type.Null()]),
    s2: Type.Union([LabLoadSchema, Type.Null()]),
  }),
  processes: Type.Array(LabProcessSchema),
  scoreboard: Type.Object({ s1: LabScoreboardSchema, s2: LabScoreboardSchema }),
  actions: Type.Array(LabActionRecordSchema),
  markers: Type.Array(LabMarkerSchema),
  scenario: Type.Union([LabScenarioStatusSchema, Type.Null()]),
});
export type LabState = Static<typeof LabStateSchema>;
