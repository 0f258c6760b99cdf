// Backpressure without a Redis call per request: the queue depth (batches admitted, not yet folded)
// and Redis's health are polled every `intervalMs` and cached; /ingest and /readyz read the cache.
import type { Readiness } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';

export interface DepthMonitorOptions {
  redis: Redis;
  /** The `pending` counter key of every shard (one without shards); the depth is their sum. */
  pendingKeys: readonly string[];
  /** Above this many pending batches /ingest sheds with 429. */
  maxDepth: number;
  /** How often to refresh. Default 100 ms. */
  intervalMs?: number;
}

/** How long a refused write keeps /readyz at 503 unless a later write succeeds. */
const WRITE_FAILURE_MEMORY_MS = 5000;

export class DepthMonitor {
  /** Batches admitted and not yet folded, as of the last poll. */
  depth = 0;
  private lastError: string | null = 'not polled yet';
  private readonly timer: NodeJS.Timeout;
  private polling = false;
  /** Redis can answer PING and reads yet refuse writes (maxmemory with noeviction): remember that. */
  private writeFailure: { at: number; reason: string } | null = null;

  constructor(private readonly options: DepthMonitorOptions) {
    this.timer = setInterval(() => void this.poll(), options.intervalMs ?? 100);
    this.timer.unref();
  }

  /** Refreshes now; also called once at start so the first requests see real figures. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      // One GET per shard: on a cluster each lives in its own slot, so one MGET cannot read them all.
      const values = await Promise.all(this.options.pendingKeys.map((key) => this.options.redis.get(key)));
      let depth = 0;
      for (const value of values) depth += Math.max(0, Number(value ?? 0));
      this.depth = depth;
      this.lastError = null;
    } catch (error) {
      this.lastError = `redis unreachable: ${(error as Error).message}`;
    } finally {
      this.polling = false;
    }
  }

  /** Redis down (as of now, or at the last poll)? Then refuse before reading the body. */
  redisDown(): string | null {
    if (this.options.redis.status !== 'ready')
      return `redis unreachable (connection ${this.options.redis.status})`;
    return this.lastError;
  }

  /** A group commit failed: readiness turns 503 until a write succeeds or the memory fades. */
  noteWriteFailure(error: unknown): void {
    this.writeFailure = {
      at: Date.now(),
      reason: `redis refuses writes: ${(error as Error)?.message ?? String(error)}`,
    };
  }

  noteWriteSuccess(): void {
    this.writeFailure = null;
  }

  overDepth(): boolean {
    return this.depth >= this.options.maxDepth;
  }

  readiness(): Readiness {
    const down = this.redisDown();
    if (down) return { status: 'not ready', reason: down };
    if (this.writeFailure && Date.now() - this.writeFailure.at < WRITE_FAILURE_MEMORY_MS) {
      return { status: 'not ready', reason: this.writeFailure.reason };
    }
    if (this.overDepth())
      return {
        status: 'not ready',
        reason: `queue over its depth limit (${this.depth} >= ${this.options.maxDepth} batches)`,
      };
    return { status: 'ready' };
  }

  close(): void {
    clearInterval(this.timer);
  }
}
