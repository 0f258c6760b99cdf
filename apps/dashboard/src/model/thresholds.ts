// Warn and critical levels for the top-hosts table (CPU %), configurable by URL or runtime config.

export interface Thresholds {
  /** CPU % at or above which a host is shown as warning. Default 75. */
  warn: number;
  /** CPU % at or above which a host is shown as critical. Default 90. */
  critical: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warn: 75, critical: 90 };

export type Level = 'ok' | 'warn' | 'critical';

export function levelOf(value: number, thresholds: Thresholds): Level {
  if (value >= thresholds.critical) return 'critical';
  if (value >= thresholds.warn) return 'warn';
  return 'ok';
}
