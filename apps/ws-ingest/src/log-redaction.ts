// Keeps secrets out of the logs: producers may present INGEST_TOKEN as `?token=` on the upgrade URL,
// and Fastify logs each request's URL at info level.
import type { FastifyRequest } from 'fastify';

/** Replaces the value of every `token` query parameter with `[redacted]`. */
export function redactTokenInUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** Fastify's request log fields, with the URL redacted. */
export function redactedRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactTokenInUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
