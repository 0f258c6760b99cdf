import { describe, expect, it } from 'vitest';
import { Feed } from '../src/model/feed.js';
import { makeWindow, makeWindows } from './support/windows.js';

const hello = (windowMs = 1000, protocol = 1, system = 'http-redis') =>
  JSON.stringify({ type: 'hello', system, protocol, windowMs });
const snapshot = (windows: unknown[]) => JSON.stringify({ type: 'snapshot', windows });
const windowFrame = (start: number, windowMs = 1000) =>
  JSON.stringify({ type: 'window', window: makeWindow({ start, windowMs }) });

describe('Feed', () => {
  it('goes live on hello, takes the snapshot, then windows', () => {
    const feed = new Feed({ expect: 'http-redis' });
    expect(feed.status).toBe('connecting');
    feed.opened();
    feed.receive(hello(), 1);
    expect(feed.status).toBe('live');
    expect(feed.receive(snapshot(makeWindows(0, 3)), 2)).toEqual({ windows: true, snapshot: true });
    expect(feed.receive(windowFrame(3000), 3)).toEqual({ windows: true, snapshot: false });
    expect(feed.buffer.windows.map((w) => w.start)).toEqual([0, 1000, 2000, 3000]);
    expect(feed.windowFrames).toBe(1);
    expect(feed.lastWindow?.start).toBe(3000);
    expect(feed.lastFrameAt).toBe(3);
  });

  it('resyncs after a reconnect without duplicating windows, leaving a real outage as missing windows', () => {
    const feed = new Feed({ expect: 'http-redis' });
    feed.opened();
    feed.receive(hello(), 0);
    feed.receive(snapshot(makeWindows(0, 3)), 0);
    feed.lost(1);
    expect(feed.status).toBe('reconnecting');
    feed.opened();
    feed.receive(hello(), 10);
    // The server kept windows 1..4 in its snapshot; 5..6 it never produced (it was down).
    feed.receive(snapshot(makeWindows(1000, 4)), 10);
    feed.receive(windowFrame(7000), 11);
    expect(feed.buffer.windows.map((w) => w.start)).toEqual([0, 1000, 2000, 3000, 4000, 7000]);
  });

  it('says offline after enough failed attempts', () => {
    const feed = new Feed({ expect: 'ws-memory', offlineAfterAttempts: 3 });
    feed.lost(1);
    feed.lost(2);
    expect(feed.status).toBe('reconnecting');
    feed.lost(3);
    expect(feed.status).toBe('offline');
  });

  it('shows an unknown frame type as an error but keeps the stream', () => {
    const feed = new Feed({ expect: 'http-redis' });
    feed.opened();
    feed.receive(hello(), 0);
    feed.receive('{"type":"explode"}', 5);
    expect(feed.error).toEqual({ message: 'unknown frame type "explode"', at: 5, fatal: false });
    expect(feed.status).toBe('live');
    feed.receive(windowFrame(0), 6);
    expect(feed.buffer.size).toBe(1);
  });

  it('turns to error on a wrong protocol and keeps saying why through reconnects', () => {
    const feed = new Feed({ expect: 'http-redis' });
    feed.opened();
    feed.receive(hello(1000, 2), 0);
    expect(feed.status).toBe('error');
    expect(feed.error?.message).toMatch(/protocol 2/);
    feed.lost(1);
    expect(feed.status).toBe('error');
    // Windows without a valid hello are not drawn.
    feed.receive(windowFrame(0), 1);
    expect(feed.buffer.size).toBe(0);
    feed.opened();
    feed.receive(hello(), 2);
    expect(feed.status).toBe('live');
    expect(feed.error).toBeNull();
  });

  it('flags a URL that serves the other system', () => {
    const feed = new Feed({ expect: 'http-redis' });
    feed.receive(hello(1000, 1, 'ws-memory'), 0);
    expect(feed.error?.message).toBe('expected http-redis but this URL serves ws-memory');
  });

  it('clears held windows when the server comes back with another window length', () => {
    const feed = new Feed({ expect: 'http-redis' });
    feed.receive(hello(1000), 0);
    feed.receive(snapshot(makeWindows(0, 3)), 0);
    feed.receive(hello(100), 1);
    expect(feed.buffer.size).toBe(0);
    expect(feed.windowMs).toBe(100);
  });

  it('keeps a bounded buffer however long it runs', () => {
    const feed = new Feed({ expect: 'http-redis', capacity: 100 });
    feed.receive(hello(100), 0);
    for (let i = 0; i < 5000; i++) feed.receive(windowFrame(i * 100, 100), i);
    expect(feed.buffer.size).toBe(100);
    expect(feed.windowFrames).toBe(5000);
  });
});
