// The baseline: a bare node:http (or node:http2: h2c, or h2 over TLS with System 1's development
// certificate from CERT_DIR) server that reads the body and answers 202 with a fixed JSON, no
// validation, no Redis. What the machine and the generator allow at best.
// Usage: bare-server.ts http1|h2c|h2 <port>
import { createServer } from 'node:http';
import { createServer as createH2cServer, createSecureServer } from 'node:http2';
import { loadTlsFiles } from '../src/tls-cert.js';

const protocolArg = process.argv[2];
const protocol = protocolArg === 'h2c' || protocolArg === 'h2' ? protocolArg : 'http1';
const port = Number(process.argv[3] ?? 0);
const answer = '{"accepted":1,"duplicate":false}';

interface Req {
  on(event: 'data' | 'end', listener: () => void): unknown;
}
interface Res {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}
const handle = (req: Req, res: Res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': String(answer.length) });
    res.end(answer);
  });
};
async function tlsServer() {
  const certDir = process.env.CERT_DIR ?? '/tmp/ingestlab-bench-certs';
  const { key, cert } = await loadTlsFiles({ cert: null, key: null, certDir });
  // The same ALPN offer as System 1's TLS listener.
  return createSecureServer({ key, cert, allowHTTP1: true }, handle);
}
const server =
  protocol === 'h2' ? await tlsServer() : protocol === 'h2c' ? createH2cServer(handle) : createServer(handle);
server.listen(port, '127.0.0.1', () => console.log(`bare ${protocol} listening on ${port}`));
process.on('SIGTERM', () => process.exit(0));
