// Where the page finds the two systems, and its other settings. One rule, in order of precedence:
//   1. URL query: ?s1=<url or /path>&s2=…&warn=75&crit=90&transport=ws|sse&encoding=json|msgpack
//      &range=1m|5m|15m|1h
//   2. runtime config: `window.INGESTLAB_CONFIG` from /config.js (empty unless a deployment fills it)
//   3. same-origin `/s1` and `/s2`, which every way of serving the page maps to the systems
//      (Vite dev/preview proxy, the demo's static server, nginx).
import { type Encoding, HISTORY_RANGES, type HistoryRange, type SystemName } from '@ingestlab/metric-schema';
import { DEFAULT_THRESHOLDS, type Thresholds } from './model/thresholds.js';

export type Transport = 'ws' | 'sse';
export type { Encoding };
export type SystemId = 's1' | 's2';

export interface SystemConfig {
  id: SystemId;
  label: string;
  expect: SystemName;
  /** Absolute http(s) base URL of the system, no trailing slash (e.g. http://host:8080/s1). */
  base: string;
}

export interface DashboardConfig {
  systems: [SystemConfig, SystemConfig];
  thresholds: Thresholds;
  transport: Transport;
  /**
   * What the live WebSocket asks for: JSON, or MessagePack (subprotocol `ingestlab.msgpack`). SSE is
   * text only, so with SSE the stream is JSON whatever this says. Default json.
   */
  encoding: Encoding;
  range: HistoryRange;
  /** Settings that were refused (the defaults were used instead), shown on the page. */
  problems: string[];
}

/** What /config.js may set on `window.INGESTLAB_CONFIG`; every field optional. */
export interface RuntimeConfig {
  s1?: string;
  s2?: string;
  thresholds?: Partial<Thresholds>;
  transport?: Transport;
  encoding?: Encoding;
  range?: HistoryRange;
}

const SYSTEMS: { id: SystemId; label: string; expect: SystemName }[] = [
  { id: 's1', label: 'System 1 · HTTP → BullMQ', expect: 'http-redis' },
  { id: 's2', label: 'System 2 · WebSocket → memory', expect: 'ws-memory' },
];

export function resolveConfig(search: string, runtime: unknown, pageUrl: string): DashboardConfig {
  const query = new URLSearchParams(search);
  const rt: RuntimeConfig = typeof runtime === 'object' && runtime !== null ? (runtime as RuntimeConfig) : {};
  const problems: string[] = [];
  const pick = (name: string, fromRuntime: unknown): string | undefined => {
    const value = query.get(name);
    if (value !== null && value !== '') return value;
    return typeof fromRuntime === 'string' && fromRuntime !== '' ? fromRuntime : undefined;
  };

  const systems = SYSTEMS.map((system) => {
    const raw = pick(system.id, rt[system.id]) ?? `/${system.id}`;
    let base = resolveBase(raw, pageUrl);
    if (base === null) {
      problems.push(`${system.id}=${raw} is not an http(s) URL or a /path; using /${system.id}`);
      base = resolveBase(`/${system.id}`, pageUrl) as string;
    }
    return { ...system, base };
  }) as [SystemConfig, SystemConfig];

  const number = (name: string, fromRuntime: number | undefined, fallback: number): number => {
    const raw = query.get(name);
    if (raw === null || raw === '') return typeof fromRuntime === 'number' ? fromRuntime : fallback;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= 0 && value <= 100) return value;
    problems.push(`${name}=${raw} is not a percentage 0–100; using ${fallback}`);
    return fallback;
  };
  const thresholds: Thresholds = {
    warn: number('warn', rt.thresholds?.warn, DEFAULT_THRESHOLDS.warn),
    critical: number('crit', rt.thresholds?.critical, DEFAULT_THRESHOLDS.critical),
  };
  if (thresholds.warn > thresholds.critical) {
    problems.push(`warn ${thresholds.warn} is above crit ${thresholds.critical}; using the defaults`);
    Object.assign(thresholds, DEFAULT_THRESHOLDS);
  }

  const transportRaw = pick('transport', rt.transport) ?? 'ws';
  let transport: Transport = 'ws';
  if (transportRaw === 'ws' || transportRaw === 'sse') transport = transportRaw;
  else problems.push(`transport=${transportRaw} is not ws or sse; using ws`);

  const encodingRaw = pick('encoding', rt.encoding) ?? 'json';
  let encoding: Encoding = 'json';
  if (encodingRaw === 'json' || encodingRaw === 'msgpack') encoding = encodingRaw;
  else problems.push(`encoding=${encodingRaw} is not json or msgpack; using json`);

  const rangeRaw = pick('range', rt.range) ?? '5m';
  let range: HistoryRange = '5m';
  if (Object.hasOwn(HISTORY_RANGES, rangeRaw)) range = rangeRaw as HistoryRange;
  else problems.push(`range=${rangeRaw} is not one of ${Object.keys(HISTORY_RANGES).join(', ')}; using 5m`);

  return { systems, thresholds, transport, encoding, range, problems };
}

/** An absolute http(s) URL or a path starting with `/`, resolved against the page; else null. */
export function resolveBase(raw: string, pageUrl: string): string | null {
  if (!/^(https?:\/\/|\/)/i.test(raw)) return null;
  try {
    const url = new URL(raw, pageUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** The live stream's URL for a transport: ws(s)://…/live or http(s)://…/live/sse. */
export function liveUrl(base: string, transport: Transport): string {
  if (transport === 'sse') return `${base}/live/sse`;
  return `${base.replace(/^http/i, 'ws')}/live`;
}

/** The encoding a stream actually speaks: SSE is text only, so always JSON. */
export function streamEncoding(transport: Transport, wanted: Encoding): Encoding {
  return transport === 'sse' ? 'json' : wanted;
}

export function historyUrl(base: string, range: HistoryRange): string {
  return `${base}/api/history?range=${range}`;
}

export function statsUrl(base: string): string {
  return `${base}/stats`;
}
