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

export const ErrorAnswerSchema = Type.Object(
  {
    error: Type.String(),
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

export const IngestReplyFrameSchema = Type.Union([AckFrameSchema, NackFrameSchema]);
export type IngestReplyFrame = Static<typeof IngestReplyFrameSchema>;

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
