// Decorates the app with its in-memory Pipeline and runs its clocks: window closing and the ingest
// ping. Stops them when the app closes.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { Pipeline } from '../ingest/pipeline.js';

declare module 'fastify' {
  interface FastifyInstance {
    pipeline: Pipeline;
  }
}

async function pipelinePlugin(app: FastifyInstance, options: { config: Config }) {
  const pipeline = new Pipeline(options.config);
  app.decorate('pipeline', pipeline);
  pipeline.start();
  const ping = setInterval(() => {
    const terminated = pipeline.pingIngest();
    if (terminated > 0) app.log.info({ terminated }, 'terminated ingest sockets that did not answer a ping');
  }, options.config.pingIntervalMs);
  ping.unref();
  app.addHook('onClose', async () => {
    clearInterval(ping);
    pipeline.clock.stop();
    await pipeline.hub.close();
  });
}

export default fp(pipelinePlugin, { name: 'ws-ingest-pipeline' });
