// Reads settings from the environment once, against a TypeBox schema, with env-schema (ajv: defaults
// filled in, strings coerced to numbers). An empty variable counts as unset. A bad value becomes a
// ConfigError that names each wrong variable, what it got and what it accepts.
import type { Static, TObject, TProperties, TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { envSchema } from 'env-schema';
import { ConfigError } from './config-error.js';

export type Env = Record<string, string | undefined>;

interface AjvError {
  instancePath: string;
  params: { missingProperty?: string };
}

/** What a setting's schema accepts, in words: from its bounds, its choices, or its description. */
export function accepted(schema: TSchema): string {
  const s = schema as TSchema & {
    minimum?: number;
    maximum?: number;
    anyOf?: { const?: unknown }[];
    description?: string;
  };
  if (s.type === 'integer') return `an integer from ${s.minimum ?? '-∞'} to ${s.maximum ?? '∞'}`;
  if (s.anyOf?.every((choice) => choice.const !== undefined)) {
    return `one of ${s.anyOf.map((choice) => String(choice.const)).join(', ')}`;
  }
  return s.description ?? 'a valid value';
}

/** Validates `env` against `properties` (keys are the variable names); throws ConfigError. */
export function loadSettings<P extends TProperties>(properties: P, env: Env): Static<TObject<P>> {
  const schema = Type.Object(properties);
  const data: Record<string, string> = {};
  for (const name of Object.keys(properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') data[name] = value;
  }
  try {
    return envSchema<Static<TObject<P>>>({ schema, data, env: false, dotenv: false });
  } catch (error) {
    const problems = new Map<string, string>();
    for (const e of ((error as { errors?: AjvError[] }).errors ?? []) as AjvError[]) {
      const name = e.instancePath.slice(1) || e.params.missingProperty || '';
      const property = properties[name];
      if (!property || problems.has(name)) continue;
      problems.set(name, `${name} must be ${accepted(property)}, got ${JSON.stringify(env[name])}`);
    }
    if (problems.size === 0) throw new ConfigError((error as Error).message);
    throw new ConfigError([...problems.values()].join('; '));
  }
}
