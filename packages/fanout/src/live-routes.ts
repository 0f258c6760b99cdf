// Fastify plugin serving a LiveHub: `GET /live` (WebSocket) and `GET /live/sse` (Server-Sent Events).
// It registers @fastify/websocket itself only when the app has not (then with the contract's subprotocol
// choice: `ingestlab.msgpack` gets MessagePack frames), and closes the hub on app close.
import websocket from '@fastify/websocket';
import { chooseSubprotocol } from '@ingestlab/metric-schema';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { LiveHub } from './live-hub.js';

export interface LiveRoutesOptions {
  hub: LiveHub;
  /** WebSocket route. Default '/live'. */
  path?: string;
  /** SSE route. Default '/live/sse'. */
  ssePath?: string;
  /** Close the hub (1001 to viewers, end SSE) in a preClose hook, so long-lived streams do not hold fastify.close() open. Default true. */
  closeOnAppClose?: boolean;
}

const liveRoutesPlugin: FastifyPluginAsync<LiveRoutesOptions> = async (app: FastifyInstance, options) => {
  const { hub, path = '/live', ssePath = '/live/sse', closeOnAppClose = true } = options;
  if (!app.hasDecorator('websocketServer')) {
    // Viewers only ever send pongs: a small payload limit; compression off as on every hot socket.
    await app.register(websocket, {
      options: { maxPayload: 64 * 1024, perMessageDeflate: false, handleProtocols: chooseSubprotocol },
      preClose: goingAwayPreClose(),
    });
  }
  app.get(path, { websocket: true }, (socket) => {
    void hub.addWebSocket(socket);
  });
  app.get(ssePath, (request, reply) => {
    reply.hijack();
    void hub.addSse(request.raw, reply.raw);
  });
  if (closeOnAppClose) app.addHook('preClose', async () => hub.close());
};

/**
 * A `preClose` for @fastify/websocket: closes every socket with 1001 (going away) instead of the
 * plugin's default 1000, waits up to `graceMs` for the closing handshakes, then terminates the
 * rest (a peer that stopped reading never answers, and would hold server.close() open). Pass it
 * when the app registers @fastify/websocket itself.
 */
export function goingAwayPreClose(graceMs = 2000): (this: FastifyInstance) => Promise<void> {
  return async function preClose(this: FastifyInstance) {
    const clients = [...this.websocketServer.clients];
    for (const client of clients) client.close(1001, 'server shutting down');
    const deadline = Date.now() + graceMs;
    while (clients.some((c) => c.readyState !== c.CLOSED) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const client of clients) if (client.readyState !== client.CLOSED) client.terminate();
    // In noServer mode this only stops the server object; the http server is closed by Fastify.
    this.websocketServer.close();
  };
}

export const liveRoutes = fp(liveRoutesPlugin, { name: '@ingestlab/fanout-live-routes', fastify: '5.x' });
