// The lab's control actions (POST /api/lab/actions): what an instructor can ask of a running lab,
// from the page, the CLI or a scenario. One schema per action type; validateLabAction names the
// field at fault, so a refusal can say exactly what to fix.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { compileValidator, type Validation, type Validator } from './validate.js';

/** Which system an action is for; `both` applies the same fleet to each (System 2 always over ws). */
export const LabSystemSchema = Type.Union([Type.Literal('s1'), Type.Literal('s2'), Type.Literal('both')]);
export type LabSystem = Static<typeof LabSystemSchema>;

export const LAB_TRANSPORTS = ['http1', 'h2c', 'h2', 'ws'] as const;
export type LabTransport = (typeof LAB_TRANSPORTS)[number];

/** A per-host sample rate: `1/s`, `2/s`, `10/m`, `1/500ms`, `1/5s`. */
export const LAB_RATE_PATTERN = '^[0-9]+(\\.[0-9]+)?/([0-9]+(\\.[0-9]+)?)?(ms|s|m|h)$';

export const LabLoadActionSchema = Type.Object(
  {
    type: Type.Literal('load'),
    system: LabSystemSchema,
    /** Simulated servers per system. The lab refuses more than its limit with 422. */
    hosts: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
    /** Samples per host. Default `1/s`. */
    rate: Type.Optional(Type.String({ pattern: LAB_RATE_PATTERN, maxLength: 32 })),
    /** Samples per batch. Default 1. */
    batch: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** System 1's transport (http1, h2c, h2); System 2 takes only ws. Default http1 / ws. */
    transport: Type.Optional(Type.Union(LAB_TRANSPORTS.map((t) => Type.Literal(t)))),
    /** One connection per host (a real fleet), or N pooled connections. Default `per-host`. */
    connections: Type.Optional(
      Type.Union([Type.Literal('per-host'), Type.Integer({ minimum: 1, maximum: 100_000 })]),
    ),
    /** Run this load for so many seconds, then go back to the load that ran before (a burst). */
    forS: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    /**
     * System 2's end-to-end acknowledgements (`/ingest?commit=1`): its producers keep every
     * acknowledged batch until a commit covers it and replay the rest after a crash. System 1 has
     * no such mode (with `both` it applies to System 2 only). Default false: the classic acks.
     */
    endToEnd: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type LabLoadAction = Static<typeof LabLoadActionSchema>;

export const LabStopLoadActionSchema = Type.Object(
  { type: Type.Literal('stop-load'), system: LabSystemSchema },
  { additionalProperties: false },
);
export type LabStopLoadAction = Static<typeof LabStopLoadActionSchema>;

export const LAB_FAULTS = [
  'kill-worker',
  'stop-workers',
  'start-workers',
  'pause-workers',
  'resume-workers',
  'restart-redis',
  'kill-s1-server',
  'kill-s2',
  'restart-s1-server',
  'restart-s2',
] as const;
export type LabFault = (typeof LAB_FAULTS)[number];

export const LabFaultActionSchema = Type.Object(
  {
    type: Type.Literal('fault'),
    fault: Type.Union(LAB_FAULTS.map((f) => Type.Literal(f))),
    /**
     * For a fault that takes something away (kill-worker, stop-workers, pause-workers,
     * kill-s1-server, kill-s2): the lab brings it back after this many seconds. Unset: it stays
     * down until asked (start-workers, resume-workers, restart-s1-server, restart-s2).
     */
    restartAfterS: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    /**
     * restart-redis only: true, Redis comes back with what its append-only file holds; false, it comes
     * back empty, as a Redis without persistence would. Default true.
     */
    persistence: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type LabFaultAction = Static<typeof LabFaultActionSchema>;

export const LAB_INCIDENTS = ['cpu-spike', 'network-storm'] as const;
export type LabIncidentKind = (typeof LAB_INCIDENTS)[number];

export const LabIncidentActionSchema = Type.Object(
  {
    type: Type.Literal('incident'),
    kind: Type.Union(LAB_INCIDENTS.map((k) => Type.Literal(k))),
    /** How long it lasts. Default 20 s (cpu-spike), 15 s (network-storm). */
    durationS: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
  },
  { additionalProperties: false },
);
export type LabIncidentAction = Static<typeof LabIncidentActionSchema>;

export const LabScenarioActionSchema = Type.Object(
  {
    type: Type.Literal('scenario'),
    /** A scenario the lab ships (GET /api/lab/scenarios lists them)... */
    name: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$' })),
    /** ...or the text of a scenario file (YAML). Exactly one of the two. */
    yaml: Type.Optional(Type.String({ minLength: 1, maxLength: 65_536 })),
  },
  { additionalProperties: false },
);
export type LabScenarioAction = Static<typeof LabScenarioActionSchema>;

export const LabStopScenarioActionSchema = Type.Object(
  { type: Type.Literal('stop-scenario') },
  { additionalProperties: false },
);
export type LabStopScenarioAction = Static<typeof LabStopScenarioActionSchema>;

/** The actions a scenario step may take (a scenario cannot start another scenario). */
export type LabStepAction = LabLoadAction | LabStopLoadAction | LabFaultAction | LabIncidentAction;
export type LabAction = LabStepAction | LabScenarioAction | LabStopScenarioAction;
export type LabActionType = LabAction['type'];

const SCHEMAS: Record<LabActionType, TSchema> = {
  load: LabLoadActionSchema,
  'stop-load': LabStopLoadActionSchema,
  fault: LabFaultActionSchema,
  incident: LabIncidentActionSchema,
  scenario: LabScenarioActionSchema,
  'stop-scenario': LabStopScenarioActionSchema,
};
export const LAB_ACTION_TYPES = Object.keys(SCHEMAS) as LabActionType[];

// Interpreted, not compiled: a handful of actions a minute, and pages that forbid eval may import it.
const validators = Object.fromEntries(
  Object.entries(SCHEMAS).map(([type, schema]) => [
    type,
    compileValidator<LabAction>(schema, `${type} action`, { jit: false }),
  ]),
) as Record<LabActionType, Validator<LabAction>>;

/**
 * Validates one action: first that it is an object with a known `type` (the error then names
 * `/type`), then against that type's schema, whose first error names the field (`/hosts`, ...).
 */
export function validateLabAction(
  value: unknown,
  allowed: readonly LabActionType[] = LAB_ACTION_TYPES,
): Validation<LabAction> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('/', 'an action must be a JSON object');
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !allowed.includes(type as LabActionType)) {
    return refuse('/type', `must be one of ${allowed.join(', ')}, got ${JSON.stringify(type ?? null)}`);
  }
  const checked = validators[type as LabActionType](value);
  if (!checked.ok) return checked;
  const action = checked.value;
  if (action.type === 'scenario' && (action.name === undefined) === (action.yaml === undefined)) {
    return refuse('/name', 'give exactly one of name (a shipped scenario) or yaml (a scenario file)');
  }
  if (action.type === 'fault' && action.persistence !== undefined && action.fault !== 'restart-redis') {
    return refuse('/persistence', 'only restart-redis takes persistence');
  }
  return checked;
}

function refuse(path: string, message: string): Validation<LabAction> {
  return { ok: false, error: `invalid lab action: ${path}: ${message}`, details: [{ path, message }] };
}
