// Reads a Lua script kept as a file beside the code (bullmq's habit: one file per command, its KEYS
// and ARGV listed at the top). The build copies the .lua files next to the compiled modules.
import { readFileSync } from 'node:fs';

export function luaScript(url: URL): string {
  return readFileSync(url, 'utf8');
}
