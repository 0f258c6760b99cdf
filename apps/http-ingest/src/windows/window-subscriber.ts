// Every replica listens on two channels: closed windows, which it hands to its own viewers whichever
// replica published them, and "window complete" notices from the folds, which wake its publisher.
import type { Window } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';

export interface SubscriberOptions {
  /** Channel of closed windows (JSON). */
  windows: string;
  onWindow: (window: Window) => void;
  /** Channel of "window <start> is complete" notices. */
  notices: string;
  onNotice: (start: number) => void;
  onError?: (error: unknown) => void;
}

export class WindowSubscriber {
  private constructor(private readonly redis: Redis) {}

  /**
   * Subscribes on a dedicated connection (subscriber mode allows nothing else on it). Does not wait
   * for Redis: a replica may start while Redis is away, and ioredis resubscribes on reconnect.
   */
  static start(redis: Redis, options: SubscriberOptions): WindowSubscriber {
    const onError = options.onError ?? (() => {});
    redis.on('message', (from: string, message: string) => {
      if (from === options.notices) {
        options.onNotice(Number(message));
        return;
      }
      if (from !== options.windows) return;
      try {
        options.onWindow(JSON.parse(message) as Window);
      } catch (error) {
        onError(error);
      }
    });
    redis.subscribe(options.windows, options.notices).catch(onError);
    return new WindowSubscriber(redis);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
