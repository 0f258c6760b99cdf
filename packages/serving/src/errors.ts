// The coded errors of both systems: each has a stable code (the contract's ErrorCodes), a status and a
// message a client can act on. Routes off the hot path throw them and the error handler answers;
// the ingest hot path sends `refusal(...)` bodies directly. Model: fastify lib/errors.js.
import createError from '@fastify/error';
import { type ErrorAnswer, type ErrorCode, ErrorCodes, MAX_PAYLOAD_BYTES } from '@ingestlab/metric-schema';

export const BadRequestError = createError<[string]>(ErrorCodes.badRequest, '%s', 400);
export const UnavailableError = createError<[string]>(ErrorCodes.unavailable, '%s', 503);

/** The body of a refusal: the contract's ErrorAnswer. */
export function refusal(code: ErrorCode, error: string, details?: ErrorAnswer['details']): ErrorAnswer {
  return details && details.length > 0 ? { error, code, details } : { error, code };
}

/** Fastify's own refusals in plain words, with our code (its codes are stable, its messages less so). */
export const FASTIFY_REFUSALS: Readonly<Record<string, { code: ErrorCode; error: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: ErrorCodes.tooLarge,
    error: `body is over the limit of ${MAX_PAYLOAD_BYTES} bytes (1 MiB)`,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: ErrorCodes.notJson,
    error: 'content-type must be application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: ErrorCodes.badRequest,
    error: 'content-length does not match the body',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: ErrorCodes.notJson, error: 'body is empty; expected a JSON batch' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: ErrorCodes.notJson, error: 'body is not valid JSON' },
};

/** The code for a 4xx status that carries none of ours. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return ErrorCodes.unauthorized;
  if (status === 404) return ErrorCodes.notFound;
  if (status === 413) return ErrorCodes.tooLarge;
  if (status === 415) return ErrorCodes.notJson;
  if (status === 429) return ErrorCodes.rateLimited;
  if (status === 503) return ErrorCodes.unavailable;
  if (status >= 500) return ErrorCodes.internal;
  return ErrorCodes.badRequest;
}
