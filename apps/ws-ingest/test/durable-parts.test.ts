// The end-to-end mode's parts on their own: the epoch book's judgements across server lives, the
// record of unpublished folds, and the watermark file's atomic write and strict read.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EpochBook, MAX_EARLIER_EPOCHS } from '../src/durable/epoch-book.js';
import { UnpublishedFolds } from '../src/durable/unpublished-folds.js';
import {
  WATERMARK_FILE,
  readWatermark,
  watermarkState,
  writeWatermark,
} from '../src/durable/watermark-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('EpochBook', () => {
  it('judges a claim by its life: published at or below that life watermark, lost above, unknown if forgotten', () => {
    const first = EpochBook.after(null, 1_000);
    expect(first.upTo).toBeNull();
    expect(first.judge(1_000, 5_000)).toBe('open');
    first.upTo = 5_000;
    expect(first.judge(1_000, 5_000)).toBe('published');
    expect(first.judge(1_000, 6_000)).toBe('open');
    // a restart within the same millisecond still gets a new epoch, and inherits the watermark
    const second = EpochBook.after(first.marks(), 1_000);
    expect(second.epoch).toBe(1_001);
    expect(second.upTo).toBe(5_000);
    expect(second.judge(1_000, 5_000)).toBe('published');
    // the window open when the first life died, even if the second reopens a window with that end
    expect(second.judge(1_000, 6_000)).toBe('lost');
    expect(second.judge(1_001, 6_000)).toBe('open');
    expect(second.judge(999, 1_000)).toBe('unknown');
  });

  it('remembers a bounded number of earlier lives', () => {
    let book = EpochBook.after(null, 0);
    for (let i = 1; i <= MAX_EARLIER_EPOCHS + 5; i++) book = EpochBook.after(book.marks(), i);
    expect(book.marks().earlier).toHaveLength(MAX_EARLIER_EPOCHS);
    expect(book.judge(0, 0)).toBe('unknown');
    expect(book.judge(book.epoch - 1, 0)).toBe('lost');
  });
});

describe('UnpublishedFolds', () => {
  it('finds the window of a fold until that window is published', () => {
    const folds = new UnpublishedFolds();
    folds.add(2_000, 'p', 1);
    folds.add(2_000, 'p', 2);
    folds.add(3_000, 'p', 3);
    folds.add(3_000, 'q', 1);
    expect(folds.windowOf('p', 2)).toBe(2_000);
    expect(folds.windowOf('q', 1)).toBe(3_000);
    expect(folds.windowOf('q', 2)).toBeUndefined();
    folds.published(2_000);
    expect(folds.windowOf('p', 1)).toBeUndefined();
    expect(folds.windowOf('p', 3)).toBe(3_000);
    expect(folds.size).toBe(1);
  });
});

describe('watermark file', () => {
  it('round-trips, replaces atomically, and sets a corrupt file aside with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watermark-'));
    dirs.push(dir);
    expect(await readWatermark(dir)).toEqual({ kind: 'missing' });
    const state = watermarkState({ epoch: 7, upTo: 9_000 }, [{ epoch: 3, upTo: null }], []);
    await writeWatermark(dir, state);
    await writeWatermark(dir, { ...state, current: { epoch: 7, upTo: 10_000 } });
    expect(await readWatermark(dir)).toEqual({
      kind: 'found',
      state: { ...state, current: { epoch: 7, upTo: 10_000 } },
    });
    // no temporary file is left behind
    expect(readdirSync(dir)).toEqual([WATERMARK_FILE]);
    writeFileSync(join(dir, WATERMARK_FILE), '');
    const corrupt = await readWatermark(dir);
    expect(corrupt).toMatchObject({ kind: 'corrupt', reason: expect.stringMatching(/not JSON/) });
    expect(readdirSync(dir)).toHaveLength(1);
    expect(readdirSync(dir)[0]).toMatch(/^watermark\.json\.corrupt-\d+$/);
  });
});
