// The baseline: a bare node:http (or node:http2 h2c) server that reads the body and answers 202 with
// a fixed JSON, no validation, no Redis. What the machine and the generator allow at best.
import { createServer } from 'node:http';
import { createServer as createH2cServer } from 'node:http2';

const protocol = process.argv[2] === 'h2c' ? 'h2c' : 'http1';
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
const server = protocol === 'h2c' ? createH2cServer(handle) : createServer(handle);
server.listen(port, '127.0.0.1', () => console.log(`bare ${protocol} listening on ${port}`));
process.on('SIGTERM', () => process.exit(0));
