// Seeded randomness for the simulator: a small fast PRNG for host profiles and a stateless hash
// for noise, so a sample depends only on (seed, host, time) and never on call order.

/** mulberry32: 32-bit state, good enough statistics for fake metrics, and fast. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes up to three integers into one well-spread 32-bit value (murmur3's finaliser). */
export function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform value in [0, 1) for the integer triple. */
export function unit3(a: number, b: number, c: number): number {
  return hash3(a, b, c) / 4294967296;
}

/**
 * Smooth value noise in [-1, 1]: random values at integer steps, eased in between, so a metric
 * wanders rather than jumping each sample. `channel` separates independent noise streams.
 */
export function valueNoise(seed: number, channel: number, x: number): number {
  const i = Math.floor(x);
  const f = x - i;
  const a = unit3(seed, channel, i) * 2 - 1;
  const b = unit3(seed, channel, i + 1) * 2 - 1;
  const eased = f * f * (3 - 2 * f);
  return a + (b - a) * eased;
}
