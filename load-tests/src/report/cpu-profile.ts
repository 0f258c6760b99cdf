// Reads V8 .cpuprofile files (node --cpu-prof) and lists the functions with the most self time,
// so the report can say where a server's time goes.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CpuProfileSummary } from '../compare/results.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summariseProfile(
  file: string,
  processName: string,
  root: string,
  top = 12,
): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; location: string; us: number }>();
  const modules = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    totalUs += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    // idle is time the thread waited for I/O: not work, so left out of the shares below
    if (functionName === '(idle)') {
      idleUs += delta;
      return;
    }
    const name = functionName || '(anonymous)';
    const location = url ? `${shorten(url, root)}:${lineNumber + 1}` : '';
    const key = `${name}@${location}`;
    const entry = self.get(key) ?? { name, location, us: 0 };
    entry.us += delta;
    self.set(key, entry);
    const module = moduleOf(url, name, root);
    modules.set(module, (modules.get(module) ?? 0) + delta);
  });
  const busyUs = totalUs - idleUs;
  const share = (us: number) => (busyUs ? Math.round((1000 * us) / busyUs) / 10 : 0);
  return {
    process: processName,
    file: relative(root, file),
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    top: [...self.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({
        name: e.name,
        location: e.location,
        selfMs: Math.round(e.us / 1000),
        selfPercent: share(e.us),
      })),
    modules: [...modules.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([module, us]) => ({ module, selfMs: Math.round(us / 1000), selfPercent: share(us) })),
  };
}

/** Where a function lives, coarsely: a package, a workspace folder, Node's internals or V8 itself. */
function moduleOf(url: string, name: string, root: string): string {
  if (!url) return name.startsWith('(') ? name : '(native: syscalls, buffers)';
  if (url.startsWith('node:')) return 'node: internals';
  const path = shorten(url, root);
  if (url.includes('/node_modules/')) {
    const parts = path.split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  const parts = path.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : path;
}

function shorten(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  const pnpm = path.indexOf('/node_modules/.pnpm/');
  if (pnpm >= 0) {
    const rest = path.slice(pnpm + '/node_modules/.pnpm/'.length);
    const inner = rest.indexOf('/node_modules/');
    return inner >= 0 ? rest.slice(inner + '/node_modules/'.length) : rest;
  }
  return path.startsWith(root) ? relative(root, path) : path;
}

/** Summaries of every profile in dir, named through pid -> process name (file names carry the pid). */
export function summariseProfiles(
  dir: string,
  pids: Record<string, number>,
  root: string,
): CpuProfileSummary[] {
  let files: string[];
  try {
    // thread 0 only: thread 1 is tsx's module loader, idle once the process has started
    files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  } catch {
    return [];
  }
  const names = new Map(Object.entries(pids).map(([name, pid]) => [pid, name]));
  return files
    .map((f) => {
      const pid = Number(/\.(\d+)\.0\.\d+\.cpuprofile$/.exec(f)?.[1]);
      return summariseProfile(join(dir, f), names.get(pid) ?? `pid ${pid}`, root);
    })
    .sort((a, b) => a.process.localeCompare(b.process));
}
