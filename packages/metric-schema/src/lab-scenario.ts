// A lab scenario file (YAML): a titled list of timed steps, each taking actions and then holding for
// a while (or until the systems have drained), so a class sees one thing at a time.
import { type Static, Type } from '@sinclair/typebox';
import {
  LabFaultActionSchema,
  LabIncidentActionSchema,
  LabLoadActionSchema,
  LabStopLoadActionSchema,
} from './lab-actions.js';
import { compileValidator, type Validator } from './validate.js';

/** `30s`, `2m`, `500ms`, or a number of seconds. */
export const LAB_DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m)?$';

export const LabStepSchema = Type.Object(
  {
    /** What the class should look at during this step. */
    title: Type.String({ minLength: 1, maxLength: 200 }),
    /** Actions taken at the start of the step, in order. */
    do: Type.Optional(
      Type.Array(
        Type.Union([
          LabLoadActionSchema,
          LabStopLoadActionSchema,
          LabFaultActionSchema,
          LabIncidentActionSchema,
        ]),
        { maxItems: 10 },
      ),
    ),
    /** How long the step lasts after its actions. Default 10s. */
    hold: Type.Optional(
      Type.Union([Type.String({ pattern: LAB_DURATION_PATTERN }), Type.Number({ minimum: 0 })]),
    ),
    /** Also wait until: every process is back and System 1's queue is empty (`recovered`), or all load has landed (`drained`). */
    until: Type.Optional(Type.Union([Type.Literal('recovered'), Type.Literal('drained')])),
  },
  { additionalProperties: false },
);
export type LabStep = Static<typeof LabStepSchema>;

export const LabScenarioSchema = Type.Object(
  {
    /** Short id (file name without .yaml for shipped ones). */
    name: Type.String({ pattern: '^[a-z0-9-]{1,64}$' }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    /** What the scenario teaches, a paragraph or two (Markdown). */
    about: Type.Optional(Type.String({ maxLength: 4000 })),
    steps: Type.Array(LabStepSchema, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
export type LabScenario = Static<typeof LabScenarioSchema>;

export const validateLabScenario: Validator<LabScenario> = compileValidator<LabScenario>(
  LabScenarioSchema,
  'scenario',
  { jit: false },
);
