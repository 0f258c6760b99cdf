// Finding an installed program (redis-server, nginx) the way a developer would expect: an explicit
// environment variable first, then the usual install places, then PATH.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface FindBinaryOptions {
  /** An environment variable naming the binary's path, tried first (e.g. REDIS_SERVER_BIN). Default none. */
  envVar?: string;
  /** Full paths tried next, in order (e.g. /usr/sbin/nginx, outside most users' PATH). Default none. */
  places?: string[];
}

/** The first existing path among $envVar, `places` and `name` in each PATH directory; null when none. */
export function findBinary(name: string, options: FindBinaryOptions = {}): string | null {
  const candidates = [options.envVar ? process.env[options.envVar] : undefined, ...(options.places ?? [])];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(join(dir, name));
  return candidates.find((candidate) => candidate && existsSync(candidate)) ?? null;
}
