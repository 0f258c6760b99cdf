// Counts every answer and its latency by protocol (http1, h2c, h2, https1) and route. Each route gets
// its own onResponse hook holding its recorders, so a request pays no label lookup (see
// route-metrics.ts); answers of no route (404) are counted as route "unmatched".
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RouteMetrics } from '../route-metrics.js';
import type { Listener } from './services.js';

type Recorder = (request: FastifyRequest, reply: FastifyReply) => void;

/** Records an answer of `route` (the pattern, so label values stay few) on this listener. */
function recorderFor(metrics: RouteMetrics, listener: Listener, route: string): Recorder {
  if (listener === 'tls') {
    // ALPN chose h2 or http/1.1 for this connection.
    const h2 = metrics.recorder('h2', route);
    const https1 = metrics.recorder('https1', route);
    return (request, reply) =>
      (request.raw.httpVersionMajor === 2 ? h2 : https1).record(reply.statusCode, reply.elapsedTime / 1000);
  }
  const recorder = metrics.recorder(listener, route);
  return (_request, reply) => recorder.record(reply.statusCode, reply.elapsedTime / 1000);
}

const requestMetricsPlugin: FastifyPluginAsync = async (app) => {
  const metrics = app.services.metrics.routes;
  // Registered before the routes, so every route (the serving core's too) passes through here.
  app.addHook('onRoute', (route) => {
    const record = recorderFor(metrics, app.listener, route.url);
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      record(request, reply);
      done();
    };
    const own = route.onResponse;
    route.onResponse = own === undefined ? [hook] : Array.isArray(own) ? [...own, hook] : [own, hook];
  });
  const unmatched = recorderFor(metrics, app.listener, 'unmatched');
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched(request, reply);
    done();
  });
};

export default fp(requestMetricsPlugin, {
  name: 'request-metrics',
  dependencies: ['services'],
  fastify: '5.x',
});
