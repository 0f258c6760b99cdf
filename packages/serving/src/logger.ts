// Logging set-up of every ingestlab process: pino, JSON lines, named after the process, with request
// URLs redacted: producers may present INGEST_TOKEN as `?token=`, and a request log carries the URL.
import type { FastifyRequest } from 'fastify';
import { type Logger, pino } from 'pino';

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

/** The process's logger; pass it to Fastify as `loggerInstance`. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, serializers: { req: redactedRequest } });
}
