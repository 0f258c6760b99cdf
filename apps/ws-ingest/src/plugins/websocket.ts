// @fastify/websocket for both socket routes: frames up to the contract's 1 MiB (ws closes larger
// ones with 1009), no permessage-deflate, and a preClose that drains gracefully with 1001.
import websocket from '@fastify/websocket';
import { MAX_PAYLOAD_BYTES } from '@ingestlab/metric-schema';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { drainSockets } from '../ingest/shutdown.js';

async function websocketPlugin(app: FastifyInstance, options: { config: Config }) {
  await app.register(websocket, {
    options: { maxPayload: MAX_PAYLOAD_BYTES, perMessageDeflate: false },
    // The connection's own listener counts protocol refusals; ws has already sent the close code,
    // and terminating here could cut that close frame off.
    errorHandler: (error, _socket, request) => request.log.debug({ err: error }, 'websocket error'),
    preClose: async function preClose(this: FastifyInstance) {
      await drainSockets(this.pipeline, this.websocketServer, options.config.shutdownGraceMs, this.log);
    },
  });
}

export default fp(websocketPlugin, { name: 'ws-ingest-websocket', dependencies: ['ws-ingest-pipeline'] });
