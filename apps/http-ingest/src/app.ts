// System 1's Fastify app: the shared serving plugins (health, readiness, stats, history, metrics,
// live, errors, CORS), then its own edge (JSON-only body, request metrics, Redis rate limit) and its
// ingest route. One instance per listener (HTTP/1.1, h2c, TLS), all over the same services.
import type { Http2Session } from 'node:http2';
import { SERVER_OPTIONS, SLOW_HEADER_LIMITS, serving } from '@ingestlab/serving';
import fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import ingestRateLimit from './plugins/ingest-rate-limit.js';
import jsonBody from './plugins/json-body.js';
import msgpackBody from './plugins/msgpack-body.js';
import requestMetrics from './plugins/request-metrics.js';
import servicesPlugin, { type Listener } from './plugins/services.js';
import ingestRoutes from './routes/ingest.js';
import type { Services } from './services.js';

export interface AppOptions {
  services: Services;
  listener: Listener;
}

/** Everything one listener serves. `/live` and `/live/sse` only on HTTP/1.1 (WebSocket needs it). */
const ingestApp: FastifyPluginAsync<AppOptions> = async (app, options) => {
  const { services, listener } = options;
  await app.register(servicesPlugin, options);
  // Before any route, so that its per-route hooks reach the serving core's routes too.
  await app.register(requestMetrics);
  await app.register(serving, {
    system: services,
    config: services.config,
    metrics: services.servingMetrics,
    live: listener === 'http1',
    retryAfterS: services.config.retryAfterS,
  });
  // The ingest route in its own context, with its body parser and its Redis-counted rate limit.
  await app.register(async (ingest) => {
    await ingest.register(jsonBody);
    await ingest.register(msgpackBody);
    await ingest.register(ingestRateLimit);
    await ingest.register(ingestRoutes);
  });
};

export interface TlsFiles {
  key: string | Buffer;
  cert: string | Buffer;
}

const common = {
  // SERVER_OPTIONS turns per-request access logs off (/metrics counts requests instead).
  ...SERVER_OPTIONS,
  // For the same reason no per-request child logger (a pino child per request, to stamp a request id
  // that no access log would match): request.log is the listener's logger.
  childLoggerFactory: (logger: FastifyBaseLogger) => logger,
} as const;

/**
 * Builds (without listening) the Fastify instance for one listener. All three are typed as the plain
 * HTTP/1.1 instance with the base logger: the app only uses the request/response API common to them.
 */
export async function buildApp(
  services: Services,
  listener: Listener,
  tls?: TlsFiles,
): Promise<FastifyInstance> {
  const loggerInstance = services.logger.child({ listener });
  let app: FastifyInstance;
  if (listener === 'http1') {
    // Keep-alive connections of idle producers would otherwise hold close() open. (HTTP/2 sessions
    // are closed gracefully by Fastify itself.)
    app = fastify({
      ...common,
      loggerInstance,
      forceCloseConnections: 'idle',
      http: SLOW_HEADER_LIMITS,
    }) as unknown as FastifyInstance;
  } else if (listener === 'h2c') {
    // Fastify hands `http` to http2.createServer for cleartext HTTP/2 (its types only allow it for
    // HTTP/1.1, hence the untyped spread).
    const h2cServerOptions: object = { http: { settings: H2_SETTINGS } };
    app = fastify({
      ...common,
      loggerInstance,
      http2: true,
      ...h2cServerOptions,
    }) as unknown as FastifyInstance;
  } else {
    if (!tls) throw new Error('the TLS listener needs a key and certificate');
    app = fastify({
      ...common,
      loggerInstance,
      http2: true,
      // ALPN offers h2 and http/1.1; HTTP/1.1 clients are served by the same app.
      https: { allowHTTP1: true, key: tls.key, cert: tls.cert, settings: H2_SETTINGS },
    }) as unknown as FastifyInstance;
  }
  if (listener !== 'http1') widenSessionWindows(app);
  await app.register(ingestApp, { services, listener });
  return app;
}

/**
 * HTTP/2 flow control: with Node's default 64 KiB windows a producer sending 50-sample batches on
 * many streams stalls waiting for WINDOW_UPDATEs (measured: 40k vs 247k samples/s against a null
 * server). A 1 MiB per-stream window fits one largest body; the session window is widened to 16 MiB.
 */
const H2_SETTINGS = { initialWindowSize: 1024 * 1024 };
const H2_SESSION_WINDOW = 16 * 1024 * 1024;

function widenSessionWindows(app: FastifyInstance): void {
  app.server.on('session', (session: Http2Session) => {
    session.once('localSettings', () => session.setLocalWindowSize(H2_SESSION_WINDOW));
  });
}

/**
 * Closes an app: stops accepting, lets requests in flight finish. Connections still open after
 * `forceAfterMs` (e.g. a keep-alive connection that was busy when close began, or an SSE stream's
 * connection after the hub ended it) are cut, so shutdown does not wait for keep-alive timeouts.
 */
export async function closeApp(app: FastifyInstance, forceAfterMs: number): Promise<void> {
  const server = app.server as { closeAllConnections?: () => void };
  const timer = setTimeout(() => server.closeAllConnections?.(), forceAfterMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
