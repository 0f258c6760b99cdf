// Validators that answer with precise JSON-pointer paths, plus a JSON parser for untrusted text. Both
// systems call these, so both refuse the same inputs the same way. Hot-path validators use TypeBox's
// JIT (which needs `new Function`), compiled on first use so that merely importing this package in a
// page with a strict Content-Security-Policy evaluates nothing; frame validation, which only clients
// do at ~10 frames/s, and /stats validation use TypeBox's interpreter and never evaluate code.
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { BatchSchema, type Batch } from './batch.js';
import type { ErrorDetail } from './answers.js';
import { type CommitFrame, CommitFrameSchema, type ReplayFrame, ReplayFrameSchema } from './end-to-end.js';
import { DashboardFrameSchema, type DashboardFrame } from './frames.js';
import { StatsSchema, type Stats } from './stats.js';

/** At most this many error details are returned, so a hostile batch cannot make the answer huge. */
export const MAX_ERROR_DETAILS = 10;

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string; details: ErrorDetail[] };

export interface Validator<T> {
  (value: unknown): Validation<T>;
  /** The fast boolean check, for hot paths that only need yes or no. */
  check(value: unknown): value is T;
}

interface Checker {
  Check(value: unknown): boolean;
  Errors(value: unknown): Iterable<{ path: string; message: string }>;
}

export interface ValidatorOptions {
  /** Compile to JavaScript (fast, needs `new Function`) or interpret the schema. Default true. */
  jit?: boolean;
}

export function compileValidator<T>(
  schema: TSchema,
  what: string,
  options: ValidatorOptions = {},
): Validator<T> {
  let checker: Checker | undefined;
  const get = (): Checker =>
    (checker ??=
      options.jit === false
        ? { Check: (value) => Value.Check(schema, value), Errors: (value) => Value.Errors(schema, value) }
        : TypeCompiler.Compile(schema));
  const validate = ((value: unknown): Validation<T> => {
    const compiled = get();
    if (compiled.Check(value)) return { ok: true, value: value as T };
    const details: ErrorDetail[] = [];
    for (const error of compiled.Errors(value)) {
      details.push({ path: error.path === '' ? '/' : error.path, message: error.message });
      if (details.length >= MAX_ERROR_DETAILS) break;
    }
    const first = details[0];
    const reason = first ? `${first.path}: ${first.message}` : 'does not match the schema';
    return { ok: false, error: `invalid ${what}: ${reason}`, details };
  }) as Validator<T>;
  validate.check = (value: unknown): value is T => get().Check(value);
  return validate;
}

export const validateBatch: Validator<Batch> = compileValidator<Batch>(BatchSchema, 'batch');
export const validateDashboardFrame: Validator<DashboardFrame> = compileValidator<DashboardFrame>(
  DashboardFrameSchema,
  'dashboard frame',
  { jit: false },
);
export const validateReplayFrame: Validator<ReplayFrame> = compileValidator<ReplayFrame>(
  ReplayFrameSchema,
  'replay frame',
);
/** Interpreted: producers read a commit frame a second per connection, and may run where eval is forbidden. */
export const validateCommitFrame: Validator<CommitFrame> = compileValidator<CommitFrame>(
  CommitFrameSchema,
  'commit frame',
  { jit: false },
);
/** Interpreted too: dashboards poll /stats once a second, in pages that may forbid eval. */
export const validateStats: Validator<Stats> = compileValidator<Stats>(StatsSchema, 'stats', { jit: false });

export type ParsedJson = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Parses untrusted JSON text. `JSON.parse` never pollutes prototypes (a `__proto__` key becomes an
 * own property, which the schemas then refuse as an extra field), so no reviver is needed.
 */
export function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: `body is not valid JSON: ${(error as Error).message}` };
  }
}

/** Parses and validates a batch in one step, as both systems do at their boundary. */
export function parseBatch(text: string): Validation<Batch> {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, error: parsed.error, details: [] };
  return validateBatch(parsed.value);
}

/** Reads `seq` from a value that failed validation, so a nack can still name the batch. */
export function seqOf(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const seq = (value as { seq?: unknown }).seq;
  return Number.isSafeInteger(seq) && (seq as number) >= 0 ? (seq as number) : null;
}
