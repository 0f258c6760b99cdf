// One producer's ingest socket: each text frame is one batch, validated, checked for a repeat and
// for the producer's rate, folded into the open window, then answered on the same socket. Refusals
// follow the contract (nack, or close 1003 / 1007 / 1009); the read side pauses at the in-flight cap.
import { CloseCodes, type Batch, validateBatch, seqOf } from '@ingestlab/metric-schema';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { RefusalKind } from './accounting.js';
import { ackText, nackText } from './answers.js';
import { InFlightLimiter } from './backpressure.js';
import type { Pipeline } from './pipeline.js';

/** ws errors that mean the peer sent something the protocol refuses; ws closes the socket itself. */
const PROTOCOL_ERRORS: Record<string, RefusalKind> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'too-large',
  WS_ERR_INVALID_UTF8: 'bad-utf8',
};

/** Close reasons must fit in 123 bytes. */
function reason(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export class IngestConnection {
  readonly limiter: InFlightLimiter;
  private alive = true;
  /** Bound once so each send reuses it rather than allocating a closure per ack. */
  private readonly settled: (error?: Error) => void;

  constructor(
    readonly socket: WebSocket,
    private readonly pipeline: Pipeline,
    private readonly log: FastifyBaseLogger,
  ) {
    this.limiter = new InFlightLimiter(
      pipeline.config.maxInFlightBatches,
      () => socket.pause(),
      () => {
        if (!pipeline.draining) socket.resume();
      },
    );
    this.settled = () => this.limiter.settled();
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('error', (error: Error & { code?: string }) => this.onError(error));
  }

  /** Pings, or terminates a socket that never answered the previous ping; false if terminated. */
  heartbeat(): boolean {
    if (!this.alive) {
      this.socket.terminate();
      return false;
    }
    this.alive = false;
    if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
    return true;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    // Shutting down: the ack could not be trusted to arrive, so the producer keeps the batch.
    if (this.pipeline.draining) return;
    const accounting = this.pipeline.accounting;
    accounting.framesIn += 1;
    this.limiter.taken();
    if (isBinary) {
      this.refuseAndClose(
        'binary',
        CloseCodes.unsupportedData,
        'binary frames are not accepted: send one JSON batch per text frame',
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch (error) {
      this.refuseAndClose(
        'not-json',
        CloseCodes.unsupportedData,
        `frame is not valid JSON: ${(error as Error).message}`,
      );
      return;
    }
    if (!validateBatch.check(value)) {
      const result = validateBatch(value);
      accounting.reject('invalid');
      this.nack(
        seqOf(value),
        result.ok ? 'invalid batch' : result.error,
        result.ok ? undefined : result.details,
      );
      return;
    }
    this.take(value);
  }

  private take(batch: Batch): void {
    const pipeline = this.pipeline;
    const accounting = pipeline.accounting;
    const now = Date.now();
    const samples = batch.samples.length;
    accounting.seeProducer(batch.producer);
    if (pipeline.duplicates.has(batch.producer, batch.seq, now)) {
      accounting.duplicates += 1;
      this.answer(ackText(batch.seq, samples, true));
      accounting.acks += 1;
      return;
    }
    const retryAfterMs = pipeline.rateLimiter.take(batch.producer, samples, now);
    if (retryAfterMs > 0) {
      accounting.reject('rate-limited');
      this.nack(
        batch.seq,
        `producer ${batch.producer} is over its rate of ${pipeline.config.rateLimitSamplesPerSec} samples/s`,
        undefined,
        retryAfterMs,
      );
      return;
    }
    // Fold first, then remember and ack: an ack always means "in the aggregate".
    pipeline.clock.add(batch.samples, now);
    accounting.aggregated += samples;
    pipeline.duplicates.add(batch.producer, batch.seq, now);
    accounting.accepted += samples;
    accounting.acks += 1;
    this.answer(ackText(batch.seq, samples, false));
  }

  private nack(
    seq: number | null,
    error: string,
    details?: Parameters<typeof nackText>[2],
    retryAfterMs?: number,
  ): void {
    this.pipeline.accounting.nacks += 1;
    this.answer(nackText(seq, error, details, retryAfterMs));
  }

  private answer(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) {
      this.limiter.settled();
      return;
    }
    this.socket.send(text, this.settled);
  }

  private refuseAndClose(kind: RefusalKind, code: number, error: string): void {
    this.pipeline.accounting.reject(kind);
    this.nack(null, error);
    this.socket.close(code, reason(error));
  }

  private onError(error: Error & { code?: string }): void {
    const kind = error.code
      ? (PROTOCOL_ERRORS[error.code] ?? (error.code.startsWith('WS_ERR_') ? 'protocol' : undefined))
      : undefined;
    if (kind) {
      // ws has already sent the matching close code (1009, 1007, 1002); only count it.
      this.pipeline.accounting.reject(kind);
      this.log.debug({ code: error.code }, 'ingest frame refused by the protocol layer');
    } else {
      this.log.debug({ err: error }, 'ingest socket error');
    }
  }
}
