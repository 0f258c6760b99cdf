// Artillery processor shared by the scenarios: every virtual user becomes one producer of the shared
// fleet simulator (@ingestlab/producers), so payloads look like the real fleet and (producer, seq)
// never repeats. For WebSocket ingest it also times each batch's ack itself, because Artillery's
// ws engine measures no latency.
//
// Artillery loads this file with import(). Run through `pnpm artillery:<name>`, Node gets
// `--conditions=source` and @ingestlab/producers resolves to its TypeScript source, which tsx's
// loader (registered below) compiles; after `pnpm build` the built dist is used as is.
import { performance } from 'node:perf_hooks';

if (import.meta.resolve('@ingestlab/producers').endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { createBatchStream, createFleet } = await import('@ingestlab/producers');

/** Scenario variables, read once per worker (Artillery sets them from config.variables / -v). */
const FLEET_HOSTS = Number(process.env.FLEET_HOSTS ?? 1000);
const FLEET_SEED = Number(process.env.FLEET_SEED ?? 7);
const fleet = createFleet({ hosts: FLEET_HOSTS, seed: FLEET_SEED });
// virtual users in this worker: each takes the next slice of hosts, round-robin over the fleet
let userCount = 0;
const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/** A BatchStream for this virtual user, made on first use: its own producer name and host slice. */
function streamFor(context) {
  if (!context.__stream) {
    const index = userCount++;
    const batchSize = Number(context.vars.batchSize ?? 1);
    const hostCount = Math.max(batchSize, Math.min(FLEET_HOSTS, Number(context.vars.hostsPerUser ?? 10)));
    const firstHost = (index * hostCount) % Math.max(1, FLEET_HOSTS - hostCount + 1);
    context.__stream = createBatchStream({
      fleet,
      producer: `art-${runId}-${index}`,
      batchSize,
      firstHost,
      hostCount,
    });
  }
  return context.__stream;
}

/**
 * HTTP `beforeRequest` hook: the body of this POST is the user's next batch.
 * Counts samples so the summary can show samples/s next to requests/s.
 */
export function nextBatch(requestParams, context, ee, next) {
  const batch = streamFor(context).next();
  requestParams.body = JSON.stringify(batch);
  requestParams.headers = { ...(requestParams.headers ?? {}), 'content-type': 'application/json' };
  ee.emit('counter', 'ingest.samples_sent', batch.samples.length);
  return next();
}

/** HTTP `afterResponse` hook: 202 counts the samples as acknowledged; 429/503 are counted as shed. */
export function countAnswer(requestParams, response, _context, ee, next) {
  const n = JSON.parse(requestParams.body).samples.length;
  if (response.statusCode === 202) ee.emit('counter', 'ingest.samples_acked', n);
  else if (response.statusCode === 429 || response.statusCode === 503) ee.emit('counter', 'ingest.shed', 1);
  return next();
}

/**
 * WebSocket `function` step, run once after connecting: listens for ack/nack frames and settles the
 * matching pending batch. Kept on the context so later steps can wait on their own seq.
 */
export function listenForAcks(context, ee, next) {
  const pending = new Map();
  context.__pending = pending;
  context.ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      ee.emit('counter', 'ingest.bad_frames', 1);
      return;
    }
    const entry = pending.get(frame.seq);
    if (!entry) return;
    pending.delete(frame.seq);
    entry(frame);
  });
  return next();
}

/**
 * WebSocket `function` step: stamps and sends the user's next batch, waits for its ack, and records
 * the ack latency as the custom histogram `ingest.ack_latency` (ms). A nack or no answer within
 * 10 s is counted and ends the step without failing the user, so the error rate shows in the counters.
 */
export function sendBatchAndWaitAck(context, ee, next) {
  const batch = streamFor(context).next();
  const n = batch.samples.length;
  const started = performance.now();
  const timer = setTimeout(() => {
    context.__pending.delete(batch.seq);
    ee.emit('counter', 'ingest.ack_timeout', 1);
    next();
  }, 10_000);
  context.__pending.set(batch.seq, (frame) => {
    clearTimeout(timer);
    if (frame.type === 'ack') {
      ee.emit('histogram', 'ingest.ack_latency', performance.now() - started);
      ee.emit('counter', 'ingest.samples_acked', n);
    } else {
      ee.emit('counter', 'ingest.nacks', 1);
    }
    next();
  });
  ee.emit('counter', 'ingest.samples_sent', n);
  context.ws.send(JSON.stringify(batch), (error) => {
    if (!error) return;
    clearTimeout(timer);
    context.__pending.delete(batch.seq);
    ee.emit('counter', 'ingest.send_errors', 1);
    next();
  });
}

/**
 * WebSocket viewer `function` step: watches dashboard frames for `watchSeconds` and records, per
 * window frame, how long after the window closed it arrived (`viewer.window_delay`, ms).
 */
export function watchWindows(context, ee, next) {
  const seconds = Number(context.vars.watchSeconds ?? 30);
  context.ws.on('message', (data) => recordFrame(data.toString(), ee));
  setTimeout(next, seconds * 1000);
}

/** Shared by the WS and SSE viewers: one dashboard frame's JSON text. */
function recordFrame(text, ee) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    ee.emit('counter', 'viewer.bad_frames', 1);
    return;
  }
  ee.emit('counter', `viewer.frames.${frame.type}`, 1);
  if (frame.type === 'window' && frame.window) {
    ee.emit('histogram', 'viewer.window_delay', Date.now() - frame.window.end);
    if (frame.window.pipeline?.lagP99 != null)
      ee.emit('histogram', 'viewer.window_lag_p99', frame.window.pipeline.lagP99);
  }
}

/**
 * SSE viewer `function` step (Artillery's http engine cannot hold a stream open): opens
 * `{{ target }}/live/sse` with fetch, reads events for `watchSeconds`, records them like the WS viewer.
 */
export async function watchSse(context, ee) {
  const seconds = Number(context.vars.watchSeconds ?? 30);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  try {
    const response = await fetch(`${context.vars.target}/live/sse`, {
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (response.status !== 200 || !response.body) {
      ee.emit('counter', `viewer.sse_status_${response.status}`, 1);
      return;
    }
    ee.emit('counter', 'viewer.sse_connected', 1);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.replace(/^data: ?/, ''))
          .join('\n');
        if (data) recordFrame(data, ee);
      }
    }
  } catch (error) {
    if (error.name !== 'AbortError') ee.emit('counter', 'viewer.sse_errors', 1);
  } finally {
    clearTimeout(timer);
  }
}
