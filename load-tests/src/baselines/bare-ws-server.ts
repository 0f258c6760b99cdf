// Baseline: the least a WebSocket ingest can do — read `seq` from each frame and answer an ack.
// No validation, no aggregation. Run as its own process by the comparison; it counts batches.
// Env: PORT (default 0), HOST (default 127.0.0.1). Prints `listening <port>`. GET /stats on the same port.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

// producers serialise {"producer":..,"seq":N,"samples":[..]}: seq sits near the start of the frame
const SEQ = /"seq":(\d+)/;
let batches = 0;
const startedAt = Date.now();

const server = createServer((request, response) => {
  if (request.url === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        system: 'bare-ws',
        accepted: batches,
        aggregated: batches,
        rejected: 0,
        duplicates: 0,
        producers: 0,
        queueDepth: 0,
        uptimeMs: Date.now() - startedAt,
        counts: 'batches',
      }),
    );
    return;
  }
  response.writeHead(request.url === '/healthz' ? 200 : 404);
  response.end();
});

const wss = new WebSocketServer({
  server,
  path: '/ingest',
  perMessageDeflate: false,
  maxPayload: 1024 * 1024,
});
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const head = (data as Buffer).toString('latin1', 0, 200);
    const seq = SEQ.exec(head)?.[1];
    if (seq === undefined) {
      socket.send('{"type":"nack","seq":null,"error":"no seq"}');
      return;
    }
    batches++;
    socket.send(`{"type":"ack","seq":${seq},"accepted":1,"duplicate":false}`);
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
const close = () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
