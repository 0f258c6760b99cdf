// Every replica listens on the windows channel and hands each window to its own viewers, whichever
// replica published it.
import type { Window } from '@ingestlab/metric-schema';
import type { Redis } from 'ioredis';

export class WindowSubscriber {
  private constructor(private readonly redis: Redis) {}

  /**
   * Subscribes on a dedicated connection (subscriber mode allows nothing else on it). Does not wait
   * for Redis: a replica may start while Redis is away, and ioredis resubscribes on reconnect.
   */
  static start(
    redis: Redis,
    channel: string,
    onWindow: (window: Window) => void,
    onError: (error: unknown) => void = () => {},
  ): WindowSubscriber {
    redis.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      try {
        onWindow(JSON.parse(message) as Window);
      } catch (error) {
        onError(error);
      }
    });
    redis.subscribe(channel).catch(onError);
    return new WindowSubscriber(redis);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
