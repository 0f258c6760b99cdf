// @fastify/websocket for the app's socket routes (/live, and System 2's /ingest): the contract's
// subprotocol choice (JSON or MessagePack), no permessage-deflate on hot sockets, and one orderly close: the system drains first (stops taking
// data, finishes what it owes), then the viewers are sent away (1001), then any socket left.
import websocket from '@fastify/websocket';
import { goingAwayPreClose, type LiveHub } from '@ingestlab/fanout';
import { chooseSubprotocol } from '@ingestlab/metric-schema';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface WebSocketOptions {
  hub: LiveHub;
  /** Largest message a peer may send; larger ones are closed with 1009. */
  maxPayload: number;
  /** Runs first when the app closes. */
  drain?: () => Promise<void>;
  /** How long the last step waits for closing handshakes before terminating. */
  graceMs: number;
}

const websocketPlugin: FastifyPluginAsync<WebSocketOptions> = async (app, options) => {
  const goingAway = goingAwayPreClose(options.graceMs);
  await app.register(websocket, {
    // The contract's subprotocols for every socket route (/live, System 2's /ingest): a client that
    // offers `ingestlab.msgpack` speaks MessagePack, one that offers none speaks JSON.
    options: { maxPayload: options.maxPayload, perMessageDeflate: false, handleProtocols: chooseSubprotocol },
    // A route's own listeners count protocol refusals; ws has sent the close code already.
    errorHandler: (error, _socket, request) => request.log.debug({ err: error }, 'websocket error'),
    preClose: async function preClose(this: FastifyInstance) {
      await options.drain?.();
      await options.hub.close();
      await goingAway.call(this);
    },
  });
};

export default fp(websocketPlugin, { name: '@ingestlab/serving-websocket', fastify: '5.x' });
