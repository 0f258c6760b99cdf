import { PROTOCOL_VERSION } from '@ingestlab/metric-schema';
import { describe, expect, it } from 'vitest';
import { parseFrame } from '../src/model/parse-frame.js';
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
