// JSON and MessagePack viewers of one hub: the subprotocol decides the encoding, both receive equal
// frames, and a tick is encoded once per encoding in use (none for MessagePack without its viewers).
import { SUBPROTOCOLS, validateDashboardFrame } from '@ingestlab/metric-schema';
import { waitUntil } from '@ingestlab/devkit';
import WebSocket from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EncodedFrame } from '../src/index.js';
import {
  type LiveServer,
  makeWindow,
  msgpackViewer,
  sseViewer,
  startLiveServer,
  wsViewer,
} from './helpers.js';

let server: LiveServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  vi.restoreAllMocks();
});

describe('LiveHub encodings', () => {
  it('a MessagePack viewer receives binary frames equal to the JSON viewer’s, SSE stays JSON', async () => {
    const history = [makeWindow(1000), makeWindow(2000)];
    server = await startLiveServer({ snapshot: () => history });
    const json = await wsViewer(server.port);
    const msgpack = await msgpackViewer(server.port);
    const sse = await sseViewer(server.port);
    expect(msgpack.socket.protocol).toBe(SUBPROTOCOLS.msgpack);
    expect(json.socket.protocol).toBe('');
    await waitUntil(
      () => json.frames.length === 2 && msgpack.binary.length === 2 && sse.frames.length === 2,
      10_000,
      () => 'hello + snapshot',
    );
    for (let start = 3000; start <= 6000; start += 1000) server.hub.publish(makeWindow(start));
    await waitUntil(
      () => json.frames.length === 6 && msgpack.binary.length === 6,
      10_000,
      () => `windows: json ${json.frames.length}, msgpack ${msgpack.binary.length}`,
    );
    expect(msgpack.textFrames).toBe(0);
    expect(msgpack.parsed()).toEqual(json.parsed());
    for (const frame of msgpack.parsed()) expect(validateDashboardFrame(frame).ok).toBe(true);
    expect(sse.frames).toEqual(json.frames);
    expect(server.hub.stats()).toMatchObject({ viewers: 3, wsViewers: 2, msgpackViewers: 1 });
    expect(
      server.hub
        .viewerStats()
        .map((v) => v.encoding)
        .sort(),
    ).toEqual(['json', 'json', 'msgpack']);
  });

  it('encodes each window once per encoding however many viewers, and MessagePack only when asked', async () => {
    server = await startLiveServer();
    const spy = vi.spyOn(EncodedFrame.prototype, 'msgpack', 'get');
    const jsonViewers = await Promise.all([1, 2, 3].map(() => wsViewer(server!.port)));
    await waitUntil(
      () => jsonViewers.every((v) => v.frames.length === 2),
      10_000,
      () => 'joined',
    );
    server.hub.publish(makeWindow(1000));
    await waitUntil(
      () => jsonViewers.every((v) => v.frames.length === 3),
      10_000,
      () => 'window',
    );
    expect(spy).not.toHaveBeenCalled();

    const viewers = await Promise.all([1, 2, 3].map(() => msgpackViewer(server!.port)));
    await waitUntil(
      () => viewers.every((v) => v.binary.length === 2),
      10_000,
      () => 'joined',
    );
    const frame = new EncodedFrame({ type: 'window', window: makeWindow(2000) });
    expect(frame.msgpack).toBe(frame.msgpack); // cached: one encode per frame
    server.hub.publish(makeWindow(2000));
    await waitUntil(
      () => viewers.every((v) => v.binary.length === 3),
      10_000,
      () => 'window',
    );
    // the shared Buffer: every viewer got the same bytes
    expect(new Set(viewers.map((v) => v.binary[2]!.toString('hex'))).size).toBe(1);
  });

  it('refuses a handshake that offers only subprotocols it does not know', async () => {
    server = await startLiveServer();
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/live`, ['mqtt']);
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error.message).toMatch(/subprotocol/i);
  });
});
