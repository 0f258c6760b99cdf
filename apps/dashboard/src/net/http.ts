// The two plain-HTTP reads the page makes: `/api/history` to fill longer ranges after a (re)connect,
// and `/stats` for the accounting totals. Both validate what they get against the contract.
import {
  type HistoryRange,
  type Stats,
  type Window as MetricWindow,
  validateDashboardFrame,
  validateStats,
} from '@ingestlab/metric-schema';
import { historyUrl, statsUrl } from '../config.js';

/** Windows for `range`; the answer may be a bare array or `{ windows: [...] }`. */
export async function fetchHistory(
  base: string,
  range: HistoryRange,
  signal?: AbortSignal,
): Promise<MetricWindow[]> {
  const response = await fetch(historyUrl(base, range), { signal, cache: 'no-store' });
  if (!response.ok) throw new Error(`history answered ${response.status}`);
  const body: unknown = await response.json();
  const windows = Array.isArray(body) ? body : (body as { windows?: unknown } | null)?.windows;
  // The snapshot frame's schema is exactly "a list of windows": reuse it rather than a second copy.
  const checked = validateDashboardFrame({ type: 'snapshot', windows });
  if (!checked.ok || checked.value.type !== 'snapshot') {
    throw new Error(`history refused: ${checked.ok ? 'not a list of windows' : checked.error}`);
  }
  return checked.value.windows;
}

export async function fetchStats(base: string, signal?: AbortSignal): Promise<Stats> {
  const response = await fetch(statsUrl(base), { signal, cache: 'no-store' });
  if (!response.ok) throw new Error(`stats answered ${response.status}`);
  const checked = validateStats(await response.json());
  if (!checked.ok) throw new Error(checked.error);
  return checked.value;
}
