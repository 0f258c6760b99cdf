import { encodeMsgpack, PROTOCOL_VERSION } from '@ingestlab/metric-schema';
import { describe, expect, it } from 'vitest';
import { checkFrame, decodeFrameBytes, parseFrame } from '../src/model/parse-frame.js';
import { makeWindow } from './support/windows.js';

describe('parseFrame', () => {
  it('accepts the four contract frames', () => {
    const frames = [
      { type: 'hello', system: 'ws-memory', protocol: PROTOCOL_VERSION, windowMs: 1000 },
      { type: 'snapshot', windows: [makeWindow({ start: 0 })] },
      { type: 'window', window: makeWindow({ start: 1000, samples: 0 }) },
      { type: 'heartbeat', ts: 1_763_830_000_000 },
    ];
    for (const frame of frames) expect(parseFrame(JSON.stringify(frame))).toEqual({ ok: true, frame });
  });

  it('accepts the optional viewers and droppedFrames', () => {
    const window = makeWindow({ start: 0 });
    window.pipeline.viewers = 3;
    window.pipeline.droppedFrames = 12;
    expect(parseFrame(JSON.stringify({ type: 'window', window })).ok).toBe(true);
  });

  it('accepts a merged window naming its shards, and refuses a malformed shards field', () => {
    const window = { ...makeWindow({ start: 0 }), shards: { expected: 3, reported: 2, missing: ['s2-b'] } };
    expect(parseFrame(JSON.stringify({ type: 'window', window }))).toEqual({
      ok: true,
      frame: { type: 'window', window },
    });
    const bad = { ...window, shards: { expected: 3, reported: 2, missing: 's2-b' } };
    expect(parseFrame(JSON.stringify({ type: 'window', window: bad }))).toMatchObject({
      ok: false,
      fatal: false,
    });
  });

  it('refuses an unknown type with its name, without giving up on the stream', () => {
    expect(parseFrame('{"type":"explode","x":1}')).toEqual({
      ok: false,
      error: 'unknown frame type "explode"',
      fatal: false,
    });
    expect(parseFrame('[1,2]')).toMatchObject({ ok: false, error: 'unknown frame type null' });
  });

  it('refuses another protocol version as fatal', () => {
    const result = parseFrame(
      JSON.stringify({ type: 'hello', system: 'ws-memory', protocol: 2, windowMs: 1000 }),
    );
    expect(result).toEqual({
      ok: false,
      error: `server speaks protocol 2, this page speaks ${PROTOCOL_VERSION}`,
      fatal: true,
    });
  });

  it('refuses text that is not JSON and a window that breaks the schema, with the path', () => {
    expect(parseFrame('not json')).toMatchObject({ ok: false, error: 'frame is not JSON: not json' });
    const window = { ...makeWindow({ start: 0 }), samples: 'many' };
    const result = parseFrame(JSON.stringify({ type: 'window', window }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^window frame refused: invalid dashboard frame/);
  });
});

describe('MessagePack frames', () => {
  const window = makeWindow({ start: 5000 });
  const bytes = (value: unknown) => encodeMsgpack(value);

  it('decode to the same frame as their JSON, through the same check', () => {
    const frame = { type: 'window', window };
    const fromBytes = checkFrame(decodeFrameBytes(bytes(frame)));
    expect(fromBytes).toEqual(parseFrame(JSON.stringify(frame)));
    expect(fromBytes).toEqual({ ok: true, frame });
  });

  it('refuse bad bytes with a reason, and a valid MessagePack value that is not a frame', () => {
    const encoded = bytes({ type: 'window', window });
    const truncated = checkFrame(decodeFrameBytes(encoded.subarray(0, encoded.length - 3)));
    expect(truncated).toMatchObject({ ok: false, fatal: false });
    expect(truncated.ok || truncated.error).toMatch(
      /^binary frame refused: .*(ends early|runs past the end)/,
    );
    // an extension type (msgpackr would build a Date, a RegExp or a record from it)
    const extension = checkFrame(decodeFrameBytes(Uint8Array.from([0xd4, 0x01, 0x00])));
    expect(extension.ok || extension.error).toMatch(/extension types are not accepted/);
    const wrongShape = checkFrame(decodeFrameBytes(bytes({ type: 'window', window: { start: 'soon' } })));
    expect(wrongShape.ok || wrongShape.error).toMatch(/^window frame refused: /);
    const wrongProtocol = checkFrame(
      decodeFrameBytes(bytes({ type: 'hello', system: 'ws-memory', protocol: 99, windowMs: 1000 })),
    );
    expect(wrongProtocol).toMatchObject({ ok: false, fatal: true });
  });
});
