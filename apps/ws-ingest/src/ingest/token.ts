// Ingest token check: `authorization: Bearer <token>` or `?token=`, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Hashing both sides gives equal-length inputs, so timingSafeEqual never leaks the length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function tokenChecker(
  expected: string | undefined,
): (headers: IncomingHttpHeaders, url: string) => boolean {
  if (expected === undefined) return () => true;
  const wanted = digest(expected);
  return (headers, url) => {
    const presented = presentedToken(headers, url);
    return presented !== null && timingSafeEqual(digest(presented), wanted);
  };
}

export function presentedToken(headers: IncomingHttpHeaders, url: string): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
  }
  const query = url.indexOf('?');
  if (query === -1) return null;
  return new URLSearchParams(url.slice(query + 1)).get('token');
}
