// A small steady load for fault tests: producers sending numbered batches until stopped, each batch
// retried until acknowledged, counting acked samples and the refusals they saw.
import { batch } from './batches.js';
import { type Answer, type IngestClient, postUntilAcked } from './clients.js';

export interface Load {
  /** Samples acknowledged so far. */
  readonly acked: () => number;
  readonly batches: () => number;
  /** Refusals seen (status -> count), and the last refusal of each status. */
  readonly refusals: Map<number, { count: number; last: Answer }>;
  /** Stops sending new batches and waits until every batch in flight is acknowledged. */
  stop(): Promise<void>;
}

export function startLoad(
  client: IngestClient,
  options: { producers: number; samplesPerBatch: number; prefix: string; pauseMs?: number },
): Load {
  let acked = 0;
  let batches = 0;
  let running = true;
  const refusals = new Map<number, { count: number; last: Answer }>();
  const loops = Array.from({ length: options.producers }, async (_, p) => {
    for (let seq = 0; running; seq += 1) {
      const body = JSON.stringify(batch(`${options.prefix}-${p}`, seq, options.samplesPerBatch));
      const answer = await postUntilAcked(client, body, {
        maxTries: 2000,
        onRefused: (refused) => {
          const seen = refusals.get(refused.status);
          refusals.set(refused.status, { count: (seen?.count ?? 0) + 1, last: refused });
        },
      });
      acked += answer.accepted;
      batches += 1;
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  });
  return {
    acked: () => acked,
    batches: () => batches,
    refusals,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
