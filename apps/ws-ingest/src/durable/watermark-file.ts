// The durable watermark on disk: one small JSON file in DATA_DIR, replaced atomically (written to a
// temporary file, fsynced, renamed over the old one, then the directory fsynced so the rename itself
// survives a power cut). It says which windows this and earlier server lives published, and holds the
// windows of the last publication so a restart can put them back in the history if the crash came
// between the write and the publication.
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { WindowSchema } from '@ingestlab/metric-schema';
import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export const WATERMARK_FILE = 'watermark.json';
const FORMAT = 'ingestlab-ws-watermark';

const EpochMarkSchema = Type.Object(
  {
    /** A server life: its start time (ms), unique per start. */
    epoch: Type.Integer({ minimum: 0 }),
    /** The last window end that life wrote before it published it (null: none). */
    upTo: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type EpochMark = Static<typeof EpochMarkSchema>;

const WatermarkStateSchema = Type.Object(
  {
    format: Type.Literal(FORMAT),
    version: Type.Literal(1),
    /** The life that wrote this file, and its watermark. */
    current: EpochMarkSchema,
    /** Earlier lives, newest first (bounded: see EpochBook). */
    earlier: Type.Array(EpochMarkSchema, { maxItems: 1000 }),
    /** The windows of the last publication (usually one), oldest first. */
    windows: Type.Array(WindowSchema, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);
export type WatermarkState = Static<typeof WatermarkStateSchema>;
const checkState = TypeCompiler.Compile(WatermarkStateSchema);

export function watermarkState(current: EpochMark, earlier: EpochMark[], windows: WatermarkState['windows']) {
  return { format: FORMAT, version: 1, current, earlier, windows } as WatermarkState;
}

export type WatermarkRead =
  | { kind: 'found'; state: WatermarkState }
  | { kind: 'missing' }
  | { kind: 'corrupt'; reason: string; movedTo: string | null };

/**
 * Reads the watermark file. A missing file or one that is not a valid watermark never throws: a
 * corrupt one is moved aside (kept for a person to look at) and reported with the reason.
 */
export async function readWatermark(dir: string): Promise<WatermarkRead> {
  const path = join(dir, WATERMARK_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'corrupt', reason: `cannot read it: ${(error as Error).message}`, movedTo: null };
  }
  let reason: string | null = null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    reason = `not JSON: ${(error as Error).message}`;
  }
  if (reason === null && !checkState.Check(value)) {
    const first = checkState.Errors(value).First();
    reason = first ? `${first.path || '/'}: ${first.message}` : 'not a watermark';
  }
  if (reason === null) return { kind: 'found', state: value as WatermarkState };
  const movedTo = `${path}.corrupt-${Date.now()}`;
  try {
    await rename(path, movedTo);
    return { kind: 'corrupt', reason, movedTo };
  } catch {
    return { kind: 'corrupt', reason, movedTo: null };
  }
}

/** Makes the directory (and its parents) if needed. Throws with the path when it cannot. */
export async function ensureDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/**
 * Replaces the watermark file durably: when this resolves, a crash (of the process or the machine)
 * leaves either the old file or the new one, never a torn one, and the new one once resolved.
 */
export async function writeWatermark(dir: string, state: WatermarkState): Promise<void> {
  const path = join(dir, WATERMARK_FILE);
  const temporary = `${path}.tmp`;
  const file = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  try {
    await file.writeFile(JSON.stringify(state));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  // the rename is a change to the directory: fsync it too, or a power cut may forget the rename
  const directory = await open(dir, constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
