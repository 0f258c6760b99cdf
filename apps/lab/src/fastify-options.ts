// How the lab's Fastify logs: no request lines (a token may sit in a query string), and a request
// in an error line shows its method and path only. server.ts uses it; the API test checks it.
import { type FastifyServerOptions, LogController } from 'fastify';

export function labFastifyOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions {
  return {
    logController: new LogController({ disableRequestLogging: true }),
    logger: {
      level,
      ...(stream ? { stream } : {}),
      serializers: { req: (request) => ({ method: request.method, url: String(request.url).split('?')[0] }) },
    },
  };
}
