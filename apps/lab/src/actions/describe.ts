// One line per action for people: the action log, the chart markers and the scenario summaries.
import type { LabAction, LabFault } from '@ingestlab/metric-schema';

const FAULTS: Record<LabFault, string> = {
  'kill-worker': 'kill -9 a System 1 worker',
  'stop-workers': 'stop System 1’s workers',
  'start-workers': 'start System 1’s workers',
  'pause-workers': 'pause System 1’s workers (SIGSTOP)',
  'resume-workers': 'resume System 1’s workers',
  'restart-redis': 'kill -9 Redis and restart it',
  'kill-s1-server': 'kill -9 System 1’s server',
  'kill-s2': 'kill -9 System 2',
  'restart-s1-server': 'restart System 1’s server',
  'restart-s2': 'restart System 2',
};

const SYSTEMS = { s1: 'System 1', s2: 'System 2', both: 'both systems' } as const;

export function describeAction(action: LabAction): string {
  switch (action.type) {
    case 'load': {
      const rate = action.rate ?? '1/s';
      const connections = action.connections ?? 'per-host';
      const transport = action.transport ?? (action.system === 's2' ? 'ws' : 'http1');
      const burst = action.forS === undefined ? '' : ` for ${action.forS} s`;
      const endToEnd = action.endToEnd ? ', System 2 end-to-end acks' : '';
      return `${action.hosts.toLocaleString('en-US')} hosts × ${rate}, batch ${action.batch ?? 1}, ${transport}${action.system === 'both' ? '/ws' : ''}, ${connections === 'per-host' ? 'a connection per host' : `${connections} connections`}${endToEnd} → ${SYSTEMS[action.system]}${burst}`;
    }
    case 'stop-load':
      return `stop the load → ${SYSTEMS[action.system]}`;
    case 'fault': {
      const label = FAULTS[action.fault];
      const persistence =
        action.fault === 'restart-redis'
          ? (action.persistence ?? true)
            ? ' with its data (AOF)'
            : ' empty (no persistence)'
          : '';
      const back = action.restartAfterS === undefined ? '' : `, back after ${action.restartAfterS} s`;
      return `${label}${persistence}${back}`;
    }
    case 'incident':
      return action.kind === 'cpu-spike'
        ? 'CPU incident (10 % of hosts spike)'
        : 'network storm (25 % of hosts ×12 traffic)';
    case 'scenario':
      return `play scenario ${action.name ?? '(from a file)'}`;
    case 'stop-scenario':
      return 'stop the scenario';
  }
}

/** The systems an action touches, for its chart marker. */
export function systemsOf(action: LabAction): ('s1' | 's2')[] {
  switch (action.type) {
    case 'load':
    case 'stop-load':
      return action.system === 'both' ? ['s1', 's2'] : [action.system];
    case 'fault':
      return action.fault === 'kill-s2' || action.fault === 'restart-s2' ? ['s2'] : ['s1'];
    case 'incident':
      return ['s1', 's2'];
    default:
      return [];
  }
}

/** A few words for a chart marker, where the full label would cover the chart. */
export function markerLabel(action: LabAction): string {
  switch (action.type) {
    case 'load':
      return `load ${action.hosts.toLocaleString('en-US')} × ${action.rate ?? '1/s'}${action.forS === undefined ? '' : ` for ${action.forS} s`}`;
    case 'stop-load':
      return 'load stopped';
    case 'incident':
      return action.kind === 'cpu-spike' ? 'CPU incident' : 'network storm';
    default:
      return describeAction(action);
  }
}
