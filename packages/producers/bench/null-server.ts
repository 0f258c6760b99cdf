// Null ingest servers for the benchmark, run as a child process so they do not share the producer's
// event loop: every transport answers each batch at once, without validating it. Prints the ports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';

const ACK = '{"accepted":1,"duplicate":false}';

function listen(server: http.Server | http2.Http2Server | http2.Http2SecureServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const http1 = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end(ACK));
});

function h2Stream(stream: http2.ServerHttp2Stream) {
  stream.resume();
  stream.on('end', () => {
    stream.respond({ ':status': 202, 'content-type': 'application/json' });
    stream.end(ACK);
  });
  stream.on('error', () => {});
}
// a wide receive window, so HTTP/2 flow control (64 KiB per connection by default) does not
// hold batches of 50 back: the benchmark measures the producer, not the server's defaults
const WINDOW = 16 * 1024 * 1024;
const h2Settings = { maxConcurrentStreams: 1000, initialWindowSize: WINDOW };
const widen = (session: http2.ServerHttp2Session) => session.setLocalWindowSize(WINDOW);
const h2c = http2.createServer({ settings: h2Settings });
h2c.on('stream', h2Stream);
h2c.on('session', widen);

const dir = mkdtempSync(join(tmpdir(), 'producers-bench-'));
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(dir, 'k.pem'),
    '-out',
    join(dir, 'c.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
  ],
  { stdio: 'ignore' },
);
const h2 = http2.createSecureServer({
  key: readFileSync(join(dir, 'k.pem')),
  cert: readFileSync(join(dir, 'c.pem')),
  settings: h2Settings,
});
h2.on('session', widen);
rmSync(dir, { recursive: true, force: true });
h2.on('stream', h2Stream);

const wsHttp = http.createServer();
const wss = new WebSocketServer({ server: wsHttp, path: '/ingest', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    // the seq is near the start of every batch the producers send; no full parse
    const match = /"seq":(\d+)/.exec(data.toString('latin1', 0, 120));
    ws.send(`{"type":"ack","seq":${match?.[1] ?? 'null'},"accepted":1,"duplicate":false}`);
  });
});

const ports = {
  http1: await listen(http1),
  h2c: await listen(h2c),
  h2: await listen(h2),
  ws: await listen(wsHttp),
};
process.stdout.write(`${JSON.stringify(ports)}\n`);
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
