// The client side of the HTTP/2 sessions bench (a child process): opens `sessions` h2c sessions, one
// per simulated server, each sends one batch, then all stay open idle for `idleSeconds`, then each
// sends one batch a second for `activeSeconds`. An https URL opens h2 over TLS sessions instead of h2c. Prints one JSON line per phase on stdout.
// Usage: h2-session-client.ts <url> <sessions> <idleSeconds> <activeSeconds>
import http2 from 'node:http2';

const [url = '', sessionsArg = '1000', idleArg = '3', activeArg = '0'] = process.argv.slice(2);
const sessionCount = Number(sessionsArg);
const idleMs = Number(idleArg) * 1000;
const activeMs = Number(activeArg) * 1000;
/** Sessions opened at once while connecting, so the server's accept queue never overflows. */
const CONNECT_WAVE = 250;

interface Phase {
  phase: string;
  sent: number;
  acked: number;
  failed: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

const sessions: http2.ClientHttp2Session[] = [];
let seq = 0;

function body(host: number): string {
  const now = Date.now();
  return `{"producer":"h2s-${host}","seq":${seq++},"samples":[{"host":"h2s-${host}","ts":${now},"cpu":${host % 100},"mem":50,"disk":40,"netIn":1000,"netOut":2000}]}`;
}

/** One batch on a session; resolves with the latency in ms, or null when it was not a 202. */
function send(session: http2.ClientHttp2Session, host: number): Promise<number | null> {
  return new Promise((resolve) => {
    const started = performance.now();
    let status = 0;
    const stream = session.request({
      ':method': 'POST',
      ':path': '/ingest',
      'content-type': 'application/json',
    });
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', () => {});
    stream.on('end', () => resolve(status === 202 ? performance.now() - started : null));
    stream.on('error', () => resolve(null));
    stream.end(body(host));
  });
}

function summary(phase: string, sent: number, latencies: number[]): Phase {
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length === 0
      ? null
      : Number(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!.toFixed(1));
  return {
    phase,
    sent,
    acked: latencies.length,
    failed: sent - latencies.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

async function connectAll(): Promise<Phase> {
  const latencies: number[] = [];
  for (let first = 0; first < sessionCount; first += CONNECT_WAVE) {
    const wave = Array.from({ length: Math.min(CONNECT_WAVE, sessionCount - first) }, async (_, i) => {
      // An https URL is System 1's TLS listener with its self-signed development certificate.
      const session = http2.connect(url, { rejectUnauthorized: false });
      session.on('error', () => {});
      sessions[first + i] = session;
      const ms = await send(session, first + i);
      if (ms !== null) latencies.push(ms);
    });
    await Promise.all(wave);
  }
  return summary('connect', sessionCount, latencies);
}

/** Every session sends one batch a second, spread evenly over the second. */
async function active(): Promise<Phase> {
  const latencies: number[] = [];
  let sent = 0;
  const pending: Promise<void>[] = [];
  const deadline = performance.now() + activeMs;
  await new Promise<void>((done) => {
    let ended = 0;
    sessions.forEach((session, host) => {
      const tick = () => {
        if (performance.now() >= deadline) {
          if (++ended === sessions.length) done();
          return;
        }
        sent += 1;
        pending.push(
          send(session, host).then((ms) => {
            if (ms !== null) latencies.push(ms);
          }),
        );
        setTimeout(tick, 1000);
      };
      setTimeout(tick, (host * 1000) / sessions.length);
    });
  });
  await Promise.all(pending);
  return summary('active', sent, latencies);
}

console.log(JSON.stringify(await connectAll()));
await new Promise((r) => setTimeout(r, idleMs));
console.log(JSON.stringify({ phase: 'idle-done' }));
if (activeMs > 0) console.log(JSON.stringify(await active()));
await Promise.all(sessions.map((s) => new Promise<void>((r) => s.close(() => r()))));
