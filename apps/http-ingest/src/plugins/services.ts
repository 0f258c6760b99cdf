// Decorates the app with the process's shared services and with which listener it serves, so routes
// on all three listeners use the same queue, Redis, hub and metrics.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Services } from '../services.js';

/** Which listener an app instance serves: plain HTTP/1.1, cleartext HTTP/2, or TLS (h2 or http/1.1 by ALPN). */
export type Listener = 'http1' | 'h2c' | 'tls';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    listener: Listener;
  }
}

export interface ServicesPluginOptions {
  services: Services;
  listener: Listener;
}

const servicesPlugin: FastifyPluginAsync<ServicesPluginOptions> = async (app, options) => {
  app.decorate('services', options.services);
  app.decorate('listener', options.listener);
};

export default fp(servicesPlugin, { name: 'services', fastify: '5.x' });
