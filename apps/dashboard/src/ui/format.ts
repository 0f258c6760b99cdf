// Number and time formatting for a projector: few digits, units spelled short, thin separators.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : integer.format(value);
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${oneDecimal.format(value)} %`;
}

/** Compact magnitudes for axes and KPIs: 950, 12.5k, 3.2M. */
export function formatCompact(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const suffix = unit ? ` ${unit}` : '';
  if (abs >= 1e9) return `${oneDecimal.format(value / 1e9)}G${suffix}`;
  if (abs >= 1e6) return `${oneDecimal.format(value / 1e6)}M${suffix}`;
  if (abs >= 1e4) return `${oneDecimal.format(value / 1e3)}k${suffix}`;
  return `${abs >= 100 ? integer.format(value) : oneDecimal.format(value)}${suffix}`;
}

export function formatBytesPerSecond(value: number | null | undefined): string {
  return formatCompact(value, 'B/s');
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value >= 10_000 ? `${oneDecimal.format(value / 1000)} s` : `${integer.format(value)} ms`;
}

/** A size in bytes: 512 B, 4.8 kB, 1.2 MB (decimal units). */
export function formatBytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 1e6) return `${oneDecimal.format(value / 1e6)} MB`;
  if (value >= 1e3) return `${oneDecimal.format(value / 1e3)} kB`;
  return `${integer.format(value)} B`;
}

/** A short duration given in ms, shown in µs below a millisecond: 35 µs, 1.4 ms. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${integer.format(ms * 1000)} µs`;
  if (ms < 100) return `${oneDecimal.format(ms)} ms`;
  return formatMs(ms);
}

/** How long ago, for the badge: "0.4 s", "12 s", "3 min". */
export function formatAge(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
