// Delivery delay: how long after a window's end it reached this page (arrival minus end). That is
// what a viewer waits for beyond the window itself: the pipeline's publishing plus the fan-out. It
// is read on this page's clock, so it assumes the page and the system share one (the same machine, or
// both on NTP). Only windows that arrived live have one; snapshot and history windows do not.
import { Histogram } from '@ingestlab/aggregation';
import type { Window as MetricWindow } from '@ingestlab/metric-schema';

const delays = new WeakMap<MetricWindow, number>();

/** Notes that `window` arrived at `arrivedAt` (epoch ms, this page's clock); returns its delay. */
export function recordDelivery(window: MetricWindow, arrivedAt: number): number {
  const delay = arrivedAt - window.end;
  delays.set(window, delay);
  return delay;
}

/** The window's delivery delay in ms, or null when it did not arrive live. */
export function deliveryOf(window: MetricWindow): number | null {
  return delays.get(window) ?? null;
}

export interface DeliverySummary {
  /** Live windows counted. */
  count: number;
  /** Delay of the newest of them, ms. */
  latest: number | null;
  p50: number | null;
  p99: number | null;
}

// one histogram reused for every summary: the project's (aggregation's), read at bucket midpoints
const scratch = new Histogram();

/** p50 and p99 of the delivery delays of `windows` (those that arrived live), with the newest one's. */
export function summariseDelivery(windows: readonly MetricWindow[]): DeliverySummary {
  scratch.reset();
  let latest: number | null = null;
  for (const window of windows) {
    const delay = delays.get(window);
    if (delay === undefined) continue;
    // a page whose clock runs ahead of the system's sees negative delays: counted as 0
    scratch.record(Math.max(0, delay));
    latest = delay;
  }
  if (scratch.count === 0) return { count: 0, latest: null, p50: null, p99: null };
  const [p50, p99] = scratch.quantiles([0.5, 0.99]);
  return { count: scratch.count, latest, p50: p50 ?? null, p99: p99 ?? null };
}
