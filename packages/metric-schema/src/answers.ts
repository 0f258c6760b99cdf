// What the systems answer to a batch: System 1's HTTP bodies and System 2's ack/nack frames.
import { type Static, Type } from '@sinclair/typebox';

export const IngestAcceptedSchema = Type.Object(
  {
    accepted: Type.Integer({ minimum: 0 }),
    duplicate: Type.Boolean(),
  },
  { $id: 'IngestAccepted', additionalProperties: false },
);
export type IngestAccepted = Static<typeof IngestAcceptedSchema>;

export const ErrorDetailSchema = Type.Object({ path: Type.String(), message: Type.String() });
export type ErrorDetail = Static<typeof ErrorDetailSchema>;

/**
 * Stable codes of the HTTP refusals both systems send (the `code` of an ErrorAnswer). Messages may be
 * reworded; a code, once published, keeps its meaning.
 */
export const ErrorCodes = {
  /** 400: a query string or parameter is wrong (e.g. /api/history?range=2m). */
  badRequest: 'ERR_BAD_REQUEST',
  /** 400: the body is JSON but not a valid batch. */
  invalidBatch: 'ERR_INVALID_BATCH',
  /** 400 or 415: the body is not JSON, is empty, or its content-type is not application/json. */
  notJson: 'ERR_NOT_JSON',
  /** 400: a body sent as `application/vnd.msgpack` is not MessagePack a system takes (see msgpack/). */
  notMsgpack: 'ERR_NOT_MSGPACK',
  /** 401: INGEST_TOKEN is set and the request did not present it. */
  unauthorized: 'ERR_UNAUTHORIZED',
  /** 404: no such route. */
  notFound: 'ERR_NOT_FOUND',
  /** 413: the body is over MAX_PAYLOAD_BYTES. */
  tooLarge: 'ERR_TOO_LARGE',
  /**
   * 409 (System 1): the batch's seq is below what its producer's repeat memory still covers (a later
   * seq of that producer was taken longer ago than the duplicate horizon), so a repeat could no longer
   * be told apart from a first copy: not taken. Sending it again gets the same answer.
   */
  tooOld: 'ERR_TOO_OLD',
  /** 429: the producer is over its rate; retry after `retry-after`. */
  rateLimited: 'ERR_RATE_LIMITED',
  /** 429: the system sheds load (queue over its depth limit); retry after `retry-after`. */
  overloaded: 'ERR_OVERLOADED',
  /** 503: a dependency (Redis) is away or the process is stopping; retry after `retry-after`. */
  unavailable: 'ERR_UNAVAILABLE',
  /** 500: a fault of the server; the details are in its log. */
  internal: 'ERR_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export const ErrorAnswerSchema = Type.Object(
  {
    error: Type.String(),
    /** One of ErrorCodes. */
    code: Type.Optional(Type.String()),
    details: Type.Optional(Type.Array(ErrorDetailSchema)),
  },
  { $id: 'ErrorAnswer' },
);
export type ErrorAnswer = Static<typeof ErrorAnswerSchema>;

export const AckFrameSchema = Type.Object({
  type: Type.Literal('ack'),
  seq: Type.Integer({ minimum: 0 }),
  accepted: Type.Integer({ minimum: 0 }),
  duplicate: Type.Boolean(),
  /**
   * End-to-end connections only (`?commit=1`): the end (epoch ms) of the window the batch is in. A
   * `commit` frame whose `upTo` reaches it says the batch is published. Classic acks omit it.
   */
  windowEnd: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type AckFrame = Static<typeof AckFrameSchema>;

export const NackFrameSchema = Type.Object({
  type: Type.Literal('nack'),
  /** The batch's seq when it could be read from the frame, else null. */
  seq: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  error: Type.String(),
  details: Type.Optional(Type.Array(ErrorDetailSchema)),
  /** Set when the nack is a refusal under load: the producer should resend after this many ms. */
  retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type NackFrame = Static<typeof NackFrameSchema>;

/** Close codes System 2 uses on its ingest socket (RFC 6455 numbers). */
export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
} as const;
