// A per-host rate as the lab's actions write it (`1/s`, `2/s`, `10/m`, `1/500ms`) as the interval
// between one host's samples, in ms.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function rateIntervalMs(rate: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)\/([0-9]+(?:\.[0-9]+)?)?(ms|s|m|h)$/.exec(rate.trim());
  if (!match) throw new RangeError(`"${rate}" is not a rate (examples: 1/s, 2/s, 10/m, 1/500ms)`);
  const count = Number(match[1]);
  const per = Number(match[2] ?? 1) * (UNIT_MS[match[3] ?? 's'] ?? 1000);
  if (!(count > 0) || !(per > 0)) throw new RangeError(`rate "${rate}" must be above zero`);
  return per / count;
}
