// A stand-in upstream for the proxy tests: says which replica answered, what it received, streams SSE
// that never ends and echoes raw bytes after an upgrade, so nginx's own behaviour can be checked.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Seen {
  method: string;
  path: string;
  bodyBytes: number;
  proto: string | undefined;
  host: string | undefined;
}

export interface FakeUpstream {
  readonly id: string;
  readonly address: string;
  readonly seen: Seen[];
  /** TCP connections accepted so far (keepalive makes this smaller than seen.length). */
  connections(): number;
  close(): Promise<void>;
}

export async function startFakeUpstream(id: string): Promise<FakeUpstream> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const record = (request: IncomingMessage, bodyBytes: number) => {
    const proto = request.headers['x-forwarded-proto'];
    seen.push({
      method: request.method ?? '',
      path: request.url ?? '',
      bodyBytes,
      proto: Array.isArray(proto) ? proto[0] : proto,
      host: request.headers.host,
    });
  };
  const server: Server = createServer(async (request, response) => {
    let bodyBytes = 0;
    for await (const chunk of request) bodyBytes += (chunk as Buffer).length;
    record(request, bodyBytes);
    if (request.url === '/live/sse') {
      // One event, then silence with the response left open: only an unbuffered proxy delivers it.
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(`data: ${JSON.stringify({ type: 'hello', from: id })}\n\n`);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ from: id, path: request.url, bodyBytes }));
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (request, socket: Socket) => {
    record(request, 0);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${request.headers.upgrade}\r\nConnection: Upgrade\r\n` +
        `X-Upstream: ${id}\r\n\r\n`,
    );
    socket.on('data', (data) => socket.write(data));
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    id,
    address: `127.0.0.1:${port}`,
    seen,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
