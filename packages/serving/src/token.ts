// The ingest token check of both systems: `authorization: Bearer <token>` (the scheme in any case,
// RFC 9110), or, where a system allows it, `?token=` (browsers cannot set headers on a WebSocket).
// Compared in constant time: both sides are hashed to equal length first, so neither the token's
// length nor its content leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Checks one request; true when no token is configured. */
export type TokenCheck = (headers: IncomingHttpHeaders, url: string) => boolean;

export interface TokenCheckOptions {
  /** Also accept the token as a `token` query parameter. Default false (System 1); System 2 allows it. */
  query?: boolean;
}

const BEARER = /^Bearer +(\S+) *$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The token a request presents, or null. */
export function presentedToken(
  headers: IncomingHttpHeaders,
  url: string,
  options: TokenCheckOptions = {},
): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = BEARER.exec(authorization);
    if (match) return match[1]!;
  }
  if (!options.query) return null;
  const query = url.indexOf('?');
  if (query === -1) return null;
  return new URLSearchParams(url.slice(query + 1)).get('token');
}

/** A check for INGEST_TOKEN (`null` = open, every request passes). */
export function tokenCheck(expected: string | null, options: TokenCheckOptions = {}): TokenCheck {
  if (expected === null) return () => true;
  const wanted = digest(expected);
  return (headers, url) => {
    const presented = presentedToken(headers, url, options);
    return presented !== null && timingSafeEqual(digest(presented), wanted);
  };
}
