// Fastify plugin serving a LiveHub: `GET /live` (WebSocket) and `GET /live/sse` (Server-Sent Events).
// It registers @fastify/websocket itself only when the app has not, and closes the hub on app close.
import websocket from '@fastify/websocket';
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
      options: { maxPayload: 64 * 1024, perMessageDeflate: false },
      preClose: closeWebSocketsGoingAway,
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
 * A `preClose` for @fastify/websocket that closes every socket with 1001 (going away) instead of the
 * plugin's default 1000. Pass it when the app registers @fastify/websocket itself.
 */
export function closeWebSocketsGoingAway(this: FastifyInstance, done: () => void): void {
  for (const client of this.websocketServer.clients) client.close(1001, 'server shutting down');
  this.websocketServer.close(() => done());
}

export const liveRoutes = fp(liveRoutesPlugin, { name: '@ingestlab/fanout-live-routes', fastify: '5.x' });
