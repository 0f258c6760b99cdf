// Everything one System 2 process holds in memory, wired together: counters, duplicate index,
// rate limiter, the open window with its clock, the history ring, the live hub and the open
// ingest connections. One per app instance, so tests can build many side by side.
import { WindowRing } from '@ingestlab/aggregation';
import { LiveHub } from '@ingestlab/fanout';
import type { Config } from '../config.js';
import { Accounting } from './accounting.js';
import type { IngestConnection } from './connection.js';
import { DuplicateIndex } from './duplicate-index.js';
import { ProducerRateLimiter } from './rate-limiter.js';
import { WindowClock } from './window-clock.js';

export class Pipeline {
  readonly accounting = new Accounting();
  readonly duplicates: DuplicateIndex;
  readonly rateLimiter: ProducerRateLimiter;
  readonly ring: WindowRing;
  readonly hub: LiveHub;
  readonly clock: WindowClock;
  readonly connections = new Set<IngestConnection>();
  /** Set when shutdown begins: new ingest connections are turned away with 1001. */
  draining = false;

  constructor(readonly config: Config) {
    this.duplicates = new DuplicateIndex({
      horizonMs: config.duplicateHorizonMs,
      maxEntries: config.duplicateMaxEntries,
    });
    this.rateLimiter = new ProducerRateLimiter(config.rateLimitSamplesPerSec);
    this.ring = new WindowRing(config.historyWindows);
    this.hub = new LiveHub({
      system: 'ws-memory',
      windowMs: config.windowMs,
      snapshot: () => this.ring.range(config.liveSnapshotRange),
      maxBacklogBytes: config.liveMaxBacklogBytes,
      heartbeatMs: config.liveHeartbeatMs,
      pingIntervalMs: config.pingIntervalMs,
    });
    let windows = 0;
    this.clock = new WindowClock({
      windowMs: config.windowMs,
      ring: this.ring,
      publish: (window) => {
        this.hub.publish(window);
        // Idle producers' buckets are dropped once a minute's worth of windows has passed.
        if (++windows % 60 === 0) this.rateLimiter.sweep(Date.now());
      },
      context: () => ({
        rejected: this.accounting.takeWindowRejected(),
        viewers: this.hub.viewers,
        droppedFrames: this.hub.droppedFrames,
      }),
    });
  }

  start(): void {
    this.clock.start();
  }

  /** Pings every ingest connection; terminates those that did not answer the previous ping. */
  pingIngest(): number {
    let terminated = 0;
    for (const connection of this.connections) if (!connection.heartbeat()) terminated += 1;
    return terminated;
  }
}
