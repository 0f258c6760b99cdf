// Baseline: the least an HTTP/1.1 ingest can do — read the body, answer 202. No parsing, no queue.
// Run as its own process by the comparison; it counts batches (requests) so runs still reconcile.
// Env: PORT (default 0 = any free port), HOST (default 127.0.0.1). Prints `listening <port>`.
import { createServer } from 'node:http';

const ACK = Buffer.from('{"accepted":1,"duplicate":false}');
const ACK_HEADERS = { 'content-type': 'application/json', 'content-length': String(ACK.length) };
let batches = 0;
const startedAt = Date.now();

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/ingest') {
    request.on('data', () => {});
    request.on('end', () => {
      batches++;
      response.writeHead(202, ACK_HEADERS);
      response.end(ACK);
    });
    return;
  }
  if (request.url === '/stats') {
    // batches stand in for samples: the baseline does not read the body
    const body = JSON.stringify({
      system: 'bare-http',
      accepted: batches,
      aggregated: batches,
      rejected: 0,
      duplicates: 0,
      producers: 0,
      queueDepth: 0,
      uptimeMs: Date.now() - startedAt,
      counts: 'batches',
    });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
    return;
  }
  response.writeHead(request.url === '/healthz' ? 200 : 404);
  response.end();
});
server.keepAliveTimeout = 60_000;

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
const close = () => server.close(() => process.exit(0)).closeAllConnections();
process.once('SIGTERM', close);
process.once('SIGINT', close);
