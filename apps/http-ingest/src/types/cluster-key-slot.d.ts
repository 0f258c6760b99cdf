// cluster-key-slot ships no types: the one function used here (ioredis's own slot calculator).
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0..16383) of a key, honouring a `{hash tag}`. */
  export default function generate(key: string): number;
}
