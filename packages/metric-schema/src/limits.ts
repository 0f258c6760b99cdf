// The contract's numeric limits, in one place so every boundary refuses the same things.

/** Largest body (HTTP) or frame (WebSocket) a system accepts: 1 MiB. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Samples per batch: at least 1, at most 1000. */
export const MIN_SAMPLES_PER_BATCH = 1;
export const MAX_SAMPLES_PER_BATCH = 1000;
/** `producer` and `host` names: 1–64 characters of [A-Za-z0-9._:-]. */
export const NAME_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
export const NAME_MAX_LENGTH = 64;
/** Version of the dashboard frame protocol (the `hello` frame carries it). */
export const PROTOCOL_VERSION = 1;
/** How long a `(producer, seq)` pair is remembered for duplicate detection, at least. */
export const DUPLICATE_HORIZON_MS = 10 * 60 * 1000;
/** Default window length: one window closes every second. */
export const DEFAULT_WINDOW_MS = 1000;
/** The metrics of a sample that windows summarise, in display order. */
export const METRIC_NAMES = ['cpu', 'mem', 'disk', 'netIn', 'netOut'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
/** History ranges served by `/api/history?range=`, in milliseconds. */
export const HISTORY_RANGES = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 } as const;
export type HistoryRange = keyof typeof HISTORY_RANGES;
/** The two systems' names as they appear in `/stats` and `hello`. */
export const SYSTEM_NAMES = ['http-redis', 'ws-memory'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];
