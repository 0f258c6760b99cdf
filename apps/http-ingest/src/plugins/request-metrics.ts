// Counts every answer and its latency by protocol (http1, h2c, h2, https1) and route.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Protocol } from '../metrics.js';

function protocolOf(request: FastifyRequest, listener: 'http1' | 'h2c' | 'tls'): Protocol {
  if (listener === 'tls') return request.raw.httpVersionMajor === 2 ? 'h2' : 'https1';
  return listener;
}

const requestMetricsPlugin: FastifyPluginAsync = async (app) => {
  const { requests, latency } = app.services.metrics;
  app.addHook('onResponse', async (request, reply) => {
    const protocol = protocolOf(request, app.listener);
    // The route pattern, not the URL, so label values stay few.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ protocol, route, status: String(reply.statusCode) });
    latency.observe({ protocol, route }, reply.elapsedTime / 1000);
  });
};

export default fp(requestMetricsPlugin, {
  name: 'request-metrics',
  dependencies: ['services'],
  fastify: '5.x',
});
