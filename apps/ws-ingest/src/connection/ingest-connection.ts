// One producer's ingest socket. It moves bytes: each frame is parsed and validated, handed to the core
// (`ingest(batch, now)`), and answered on the same socket with an ack or a nack. The handshake's
// subprotocol sets the encoding: JSON text frames by default, MessagePack binary frames for
// `ingestlab.msgpack` (answers in the same encoding). Refusals follow the contract (nack, or close
// 1003 / 1007 / 1009); the read side pauses at the in-flight cap. An end-to-end connection
// (`?commit=1`, JSON only) also takes replay frames, gets acks naming their window, and commit
// frames: the first on opening, then after each publication that covers what it acknowledged.
import {
  ackMsgpack,
  type Batch,
  CloseCodes,
  decodeMsgpack,
  type Encoding,
  type ErrorDetail,
  encodingOfSubprotocol,
  parseBatchMsgpack,
  type ReplayFrame,
  seqOf,
  validateBatch,
  validateReplayFrame,
} from '@ingestlab/metric-schema';
import type { RefusalReason } from '@ingestlab/serving';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { IngestCore } from '../core/ingest-core.js';
import { ackText, ackWindowText, commitText, nackMsgpack, nackText } from './answers.js';
import { InFlightLimiter } from './in-flight-limiter.js';

/** Per-connection figures the pool sums for /metrics. */
export interface ConnectionCounts {
  framesIn: number;
  acks: number;
  nacks: number;
  /** Commit frames sent (end-to-end connections). */
  commits: number;
}

/** ws errors that mean the peer sent something the protocol refuses; ws closes the socket itself. */
const PROTOCOL_ERRORS: Record<string, RefusalReason> = {
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
  /** Set when shutdown begins: frames still arriving are left unacked (the producer keeps them). */
  draining = false;
  /** Bound once so each send reuses it rather than allocating a closure per ack. */
  private readonly settled: (error?: Error) => void;
  /** From the subprotocol the handshake chose. */
  readonly encoding: Encoding;
  /** End-to-end: the replay frame just read, for the next batch. */
  private claim: ReplayFrame | null = null;
  /** End-to-end: the latest window end an ack named, and the `upTo` of the last commit sent. */
  private ackedUpTo = Number.NEGATIVE_INFINITY;
  private committedUpTo = Number.NEGATIVE_INFINITY;

  constructor(
    readonly socket: WebSocket,
    private readonly core: IngestCore,
    private readonly counts: ConnectionCounts,
    private readonly log: FastifyBaseLogger,
    /** Opted into end-to-end acknowledgements (the server has a DATA_DIR). */
    readonly endToEnd = false,
  ) {
    this.limiter = new InFlightLimiter(
      core.config.maxInFlightBatches,
      () => socket.pause(),
      () => {
        if (!this.draining) socket.resume();
      },
    );
    this.settled = () => this.limiter.settled();
    this.encoding = encodingOfSubprotocol(socket.protocol);
    if (this.encoding === 'msgpack') socket.on('message', (data, isBinary) => this.onMsgpack(data, isBinary));
    else socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('error', (error: Error & { code?: string }) => this.onError(error));
    const book = core.endToEnd?.book;
    // The first frame says which server life this is and what it has published.
    if (endToEnd && book) {
      this.committedUpTo = book.upTo ?? Number.NEGATIVE_INFINITY;
      this.send(commitText(book.epoch, book.upTo));
    }
  }

  /**
   * After a durable publication: tells the producer, when it has acknowledgements the last commit
   * did not cover. `text` is the commit frame, encoded once for every connection.
   */
  commit(upTo: number, text: string): boolean {
    if (this.ackedUpTo <= this.committedUpTo || this.socket.readyState !== this.socket.OPEN) return false;
    this.committedUpTo = upTo;
    this.counts.commits += 1;
    this.socket.send(text);
    return true;
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
    if (this.draining) return;
    this.counts.framesIn += 1;
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
    if (this.endToEnd && (value as { type?: unknown } | null)?.type === 'replay') {
      this.takeReplay(value);
      return;
    }
    if (!validateBatch.check(value)) {
      this.claim = null;
      const result = validateBatch(value);
      this.core.refuse('invalid');
      this.nack(
        seqOf(value),
        result.ok ? 'invalid batch' : result.error,
        result.ok ? undefined : result.details,
      );
      return;
    }
    this.take(value);
  }

  /** A frame on an `ingestlab.msgpack` socket: one MessagePack batch per binary frame. */
  private onMsgpack(data: RawData, isBinary: boolean): void {
    if (this.draining) return;
    this.counts.framesIn += 1;
    this.limiter.taken();
    if (!isBinary) {
      this.refuseAndClose(
        'not-msgpack',
        CloseCodes.unsupportedData,
        'text frames are not accepted on an ingestlab.msgpack socket: send one MessagePack batch per binary frame',
      );
      return;
    }
    const parsed = parseBatchMsgpack(data as Buffer);
    if (parsed.ok) {
      this.take(parsed.value);
      return;
    }
    if ('notMsgpack' in parsed) {
      // the frame's bytes are not what its negotiated type promises: 1007, as for bad UTF-8 in text
      this.refuseAndClose(
        'not-msgpack',
        CloseCodes.invalidPayload,
        `frame ${parsed.error.replace(/^body /, '')}`,
      );
      return;
    }
    this.core.refuse('invalid');
    this.nack(this.seqOfMsgpack(data as Buffer), parsed.error, parsed.details);
  }

  /** The seq of a MessagePack frame that is not a valid batch, for its nack (null if unreadable). */
  private seqOfMsgpack(bytes: Buffer): number | null {
    const decoded = decodeMsgpack(bytes);
    return decoded.ok ? seqOf(decoded.value) : null;
  }

  /** A replay frame: not answered, it qualifies the next batch. */
  private takeReplay(value: unknown): void {
    const result = validateReplayFrame(value);
    if (!result.ok) {
      this.claim = null;
      this.core.refuse('invalid');
      this.nack(null, result.error, result.details);
      return;
    }
    this.claim = result.value;
    this.limiter.settled();
  }

  private take(batch: Batch): void {
    if (this.endToEnd) {
      this.takeEndToEnd(batch);
      return;
    }
    const outcome = this.core.ingest(batch, Date.now());
    if (outcome === 0) {
      this.nackOverRate(batch);
      return;
    }
    this.counts.acks += 1;
    const accepted = outcome > 0 ? outcome : -outcome;
    if (this.encoding === 'msgpack') this.answer(ackMsgpack(batch.seq, accepted, outcome < 0));
    else this.answer(ackText(batch.seq, accepted, outcome < 0));
  }

  private takeEndToEnd(batch: Batch): void {
    const claim = this.claim;
    this.claim = null;
    const outcome = this.core.ingestEndToEnd(batch, Date.now(), claim);
    if (outcome === 0) {
      this.nackOverRate(batch);
      return;
    }
    const windowEnd = this.core.ackWindowEnd;
    if (windowEnd > this.ackedUpTo) this.ackedUpTo = windowEnd;
    this.counts.acks += 1;
    this.answer(
      outcome > 0
        ? ackWindowText(batch.seq, outcome, false, windowEnd)
        : ackWindowText(batch.seq, -outcome, true, windowEnd),
    );
  }

  /** The core refused the batch for its producer's rate: the nack says when to try again. */
  private nackOverRate(batch: Batch): void {
    this.nack(
      batch.seq,
      `producer ${batch.producer} is over its rate of ${this.core.config.rateLimitSamplesPerSec} samples/s`,
      undefined,
      this.core.retryAfterMs,
    );
  }

  private nack(seq: number | null, error: string, details?: ErrorDetail[], retryAfterMs?: number): void {
    this.counts.nacks += 1;
    this.answer(
      this.encoding === 'msgpack'
        ? nackMsgpack(seq, error, details, retryAfterMs)
        : nackText(seq, error, details, retryAfterMs),
    );
  }

  /** Sends an answer: a string as a text frame, bytes as a binary frame. */
  private answer(frame: string | Uint8Array): void {
    if (this.socket.readyState !== this.socket.OPEN) {
      this.limiter.settled();
      return;
    }
    this.socket.send(frame, this.settled);
  }

  /** A frame that answers no batch (a commit): not counted in flight. */
  private send(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }

  private refuseAndClose(kind: RefusalReason, code: number, error: string): void {
    this.core.refuse(kind);
    this.nack(null, error);
    this.socket.close(code, reason(error));
  }

  private onError(error: Error & { code?: string }): void {
    const kind = error.code
      ? (PROTOCOL_ERRORS[error.code] ?? (error.code.startsWith('WS_ERR_') ? 'protocol' : undefined))
      : undefined;
    if (kind) {
      // ws has already sent the matching close code (1009, 1007, 1002); only count it.
      this.core.refuse(kind);
      this.log.debug({ code: error.code }, 'ingest frame refused by the protocol layer');
    } else {
      this.log.debug({ err: error }, 'ingest frame or socket error');
    }
  }
}
