// Parsing the CLI's human units: durations (`60s`, `5m`, `500ms`, `inf`), per-host rates (`1/s`) and
// sizes (`64MB`).

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `60s`, `5m`, `1h`, a bare number of seconds; `0`, `inf` or `forever` mean no end (Infinity). */
export function parseDuration(text: string): number {
  const value = text.trim().toLowerCase();
  if (value === 'inf' || value === 'infinity' || value === 'forever') return Number.POSITIVE_INFINITY;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  if (!match) throw new RangeError(`"${text}" is not a duration (examples: 500ms, 60s, 5m, 1h, 0 or inf)`);
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000);
  return ms === 0 ? Number.POSITIVE_INFINITY : Math.round(ms);
}

/**
 * A per-host sample rate as the interval between samples in ms: `1/s` (one a second), `2/s`,
 * `10/m`, `1/500ms`, `1/5s`, or a bare number of samples per second.
 */
export function parseRate(text: string): number {
  const value = text.trim().toLowerCase();
  const match = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?)?(ms|s|m|h))?$/.exec(value);
  if (!match) throw new RangeError(`"${text}" is not a rate (examples: 1/s, 2/s, 10/m, 1/500ms)`);
  const count = Number(match[1]);
  const per = Number(match[2] ?? 1) * (UNIT_MS[match[3] ?? 's'] ?? 1000);
  if (!(count > 0) || !(per > 0)) throw new RangeError(`rate "${text}" must be above zero`);
  return per / count;
}

const SIZE_BYTES: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A size in bytes: `64MB`, `512kb`, `1GiB` (units of 1024), or a bare number of bytes. */
export function parseBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?$/.exec(text.trim().toLowerCase());
  if (!match) throw new RangeError(`"${text}" is not a size (examples: 64MB, 512KB, 1GB)`);
  const bytes = Math.round(Number(match[1]) * (SIZE_BYTES[match[2] ?? 'b'] ?? 1));
  if (!(bytes > 0)) throw new RangeError(`size "${text}" must be above zero`);
  return bytes;
}
