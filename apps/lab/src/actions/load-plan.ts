// A load action checked against what the lab can run and turned into one request per system:
// `both` gives System 1 the named HTTP transport and System 2 its WebSocket, with the same fleet.
// Refusals carry the status the API answers: 400 for a field that does not fit, 422 for a fleet
// beyond the lab's limits (with the limit).
import type { LabLoadAction } from '@ingestlab/metric-schema';
import type { LoadRequest, SystemId } from '../load/load-controller.js';
import { rateIntervalMs } from '../load/rate.js';

export interface LabLimits {
  /** Hosts per system. */
  maxHosts: number;
  /** Samples per second per system. */
  maxSamplesPerSecond: number;
  /** Connections one load host may open (its open-files budget). */
  maxConnections: number;
}

export type LoadPlan =
  | { ok: true; requests: Partial<Record<SystemId, LoadRequest>> }
  | { ok: false; status: 400 | 422; field: string; error: string; limit?: Record<string, number> };

export function planLoad(action: LabLoadAction, limits: LabLimits, now = Date.now()): LoadPlan {
  const systems: SystemId[] = action.system === 'both' ? ['s1', 's2'] : [action.system];
  const transport = action.transport;
  if (transport === 'ws' && systems.includes('s1')) {
    return refuse400(
      '/transport',
      'System 1 takes http1, h2c or h2 (with system "both" it names System 1’s transport; System 2 always uses ws)',
    );
  }
  if (transport !== undefined && transport !== 'ws' && action.system === 's2') {
    return refuse400('/transport', 'System 2 takes only ws');
  }
  if (action.endToEnd && action.system === 's1') {
    return refuse400('/endToEnd', 'end-to-end acknowledgements are System 2’s (system "s2" or "both")');
  }
  const rate = action.rate ?? '1/s';
  let intervalMs: number;
  try {
    intervalMs = rateIntervalMs(rate);
  } catch (error) {
    return refuse400('/rate', (error as Error).message);
  }
  if (action.hosts > limits.maxHosts) {
    return {
      ok: false,
      status: 422,
      field: '/hosts',
      error: `${action.hosts.toLocaleString('en-US')} hosts is beyond this lab's limit of ${limits.maxHosts.toLocaleString('en-US')} per system (pnpm lab -- --max-hosts N)`,
      limit: { hosts: limits.maxHosts },
    };
  }
  const connections = action.connections ?? 'per-host';
  const sockets = connections === 'per-host' ? action.hosts : Math.min(connections, action.hosts);
  if (sockets > limits.maxConnections) {
    return {
      ok: false,
      status: 422,
      field: '/connections',
      error: `${sockets.toLocaleString('en-US')} connections is beyond what one load host can open here (${limits.maxConnections.toLocaleString('en-US')}, from its open-files limit); pool them with "connections": N`,
      limit: { connections: limits.maxConnections },
    };
  }
  const samplesPerSecond = (action.hosts * 1000) / intervalMs;
  if (samplesPerSecond > limits.maxSamplesPerSecond) {
    return {
      ok: false,
      status: 422,
      field: '/rate',
      error: `${Math.round(samplesPerSecond).toLocaleString('en-US')} samples/s is beyond this lab's limit of ${limits.maxSamplesPerSecond.toLocaleString('en-US')} per system`,
      limit: { samplesPerSecond: limits.maxSamplesPerSecond },
    };
  }
  const requests: Partial<Record<SystemId, LoadRequest>> = {};
  for (const system of systems) {
    requests[system] = {
      hosts: action.hosts,
      rate,
      batch: action.batch ?? 1,
      transport: system === 's2' ? 'ws' : (transport ?? 'http1'),
      connections,
      ...(system === 's2' && action.endToEnd ? { endToEnd: true } : {}),
      ...(action.forS === undefined ? {} : { until: now + action.forS * 1000 }),
    };
  }
  return { ok: true, requests };
}

function refuse400(field: string, error: string): LoadPlan {
  return { ok: false, status: 400, field, error: `invalid lab action: ${field}: ${error}` };
}
