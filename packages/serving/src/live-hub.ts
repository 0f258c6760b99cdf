// The live hub of a system, set up from the shared settings (backlog cap, heartbeat, ping).
import { LiveHub } from '@ingestlab/fanout';
import type { SystemName, Window } from '@ingestlab/metric-schema';
import type { SharedConfig } from './settings/shared-settings.js';

export function createLiveHub(
  system: SystemName,
  config: SharedConfig,
  snapshot: () => Window[] | Promise<Window[]>,
  onError?: (error: unknown, context: string) => void,
): LiveHub {
  return new LiveHub({
    system,
    windowMs: config.windowMs,
    snapshot,
    maxBacklogBytes: config.liveMaxBacklogBytes,
    heartbeatMs: config.liveHeartbeatMs,
    pingIntervalMs: config.pingIntervalMs,
    ...(onError ? { onError } : {}),
  });
}
