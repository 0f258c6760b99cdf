// Reading a scenario: YAML text (a file, the page's upload or a shipped one by name) checked against
// the schema, with hold durations turned into milliseconds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LabScenario, validateLabScenario } from '@ingestlab/metric-schema';
import { parse } from 'yaml';
import { SCENARIO_DIR } from '../paths.js';

export class ScenarioError extends Error {}

/** Parses and validates scenario YAML; the error names the line (YAML) or the field (schema). */
export function parseScenario(text: string): LabScenario {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 10 });
  } catch (error) {
    throw new ScenarioError(`the scenario is not valid YAML: ${(error as Error).message}`);
  }
  const checked = validateLabScenario(value);
  if (!checked.ok) throw new ScenarioError(checked.error);
  return checked.value;
}

/** `30s`, `2m`, `500ms`, or a number of seconds, in ms. */
export function holdMs(hold: string | number | undefined): number {
  if (hold === undefined) return 10_000;
  if (typeof hold === 'number') return hold * 1000;
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)?$/.exec(hold);
  if (!match) throw new ScenarioError(`"${hold}" is not a duration (30s, 2m, 500ms)`);
  const unit = { ms: 1, s: 1000, m: 60_000 }[match[2] ?? 's'] ?? 1000;
  return Number(match[1]) * unit;
}

export interface ShippedScenario {
  name: string;
  title: string;
  about: string;
  steps: number;
  yaml: string;
}

/** The scenarios in apps/lab/scenarios, by file name. */
export function shippedScenarios(dir = SCENARIO_DIR): ShippedScenario[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const yaml = readFileSync(join(dir, file), 'utf8');
      const scenario = parseScenario(yaml);
      return {
        name: scenario.name,
        title: scenario.title,
        about: scenario.about ?? '',
        steps: scenario.steps.length,
        yaml,
      };
    });
}

/** A shipped scenario by name, a path to a YAML file, or null. */
export function findScenario(nameOrPath: string): { yaml: string; source: string } | null {
  const shipped = shippedScenarios().find((s) => s.name === nameOrPath);
  if (shipped) return { yaml: shipped.yaml, source: `apps/lab/scenarios/${shipped.name}.yaml` };
  if (existsSync(nameOrPath)) return { yaml: readFileSync(nameOrPath, 'utf8'), source: nameOrPath };
  return null;
}
