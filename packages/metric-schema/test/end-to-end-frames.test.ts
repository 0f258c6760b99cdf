// The end-to-end frames (commit, replay) and the ack's optional windowEnd: what is accepted and
// what is refused, with the path named.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { AckFrameSchema, validateCommitFrame, validateReplayFrame } from '../src/index.js';

describe('end-to-end frames', () => {
  it('accepts a commit with a watermark or with none yet, and a replay', () => {
    expect(validateCommitFrame({ type: 'commit', epoch: 1763830000000, upTo: 1763830001000 }).ok).toBe(true);
    expect(validateCommitFrame({ type: 'commit', epoch: 1, upTo: null }).ok).toBe(true);
    expect(validateReplayFrame({ type: 'replay', epoch: 1, windowEnd: 2000 }).ok).toBe(true);
  });

  it('refuses a replay without its window, with a string number, or with an extra field', () => {
    const missing = validateReplayFrame({ type: 'replay', epoch: 1 });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error).toMatch(/windowEnd/);
    const text = validateReplayFrame({ type: 'replay', epoch: 1, windowEnd: '2000' });
    expect(text.ok).toBe(false);
    if (!text.ok) expect(text.details[0]?.path).toBe('/windowEnd');
    expect(validateReplayFrame({ type: 'replay', epoch: 1, windowEnd: 2000, seq: 3 }).ok).toBe(false);
    expect(validateReplayFrame({ type: 'replay', epoch: -1, windowEnd: 2000 }).ok).toBe(false);
  });

  it('keeps the classic ack valid and takes windowEnd as an optional extension', () => {
    expect(Value.Check(AckFrameSchema, { type: 'ack', seq: 1, accepted: 2, duplicate: false })).toBe(true);
    expect(
      Value.Check(AckFrameSchema, { type: 'ack', seq: 1, accepted: 2, duplicate: false, windowEnd: 3000 }),
    ).toBe(true);
  });
});
