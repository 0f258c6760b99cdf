// Builds the stand-ins for the public base images the Dockerfiles start from (no image registry is
// reachable here): a Debian bookworm made with debootstrap, then node:20-slim, redis:7 and nginx:1.27
// on top of it, tagged with their public names so the Dockerfiles build unchanged.
// What each stand-in keeps and what differs: test/compose/stand-ins/README.md.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { podman, preparePodman, repo, run, runOk, runStreaming } from './podman-env.js';

const standIns = join(repo, 'test', 'compose', 'stand-ins');

/** The Debian base: a minimal bookworm, trimmed like debian:bookworm-slim. */
export const BASE_IMAGE = 'localhost/ingestlab/debian:bookworm';

export interface StandIn {
  /** The public name the project's Dockerfiles use. */
  readonly image: string;
  readonly containerfile: string;
  /** Files of stand-ins/ copied into the build context. */
  readonly files: readonly string[];
}

export const STAND_INS: readonly StandIn[] = [
  {
    image: 'docker.io/library/node:20-slim',
    containerfile: 'node.Containerfile',
    files: ['node-entrypoint.sh'],
  },
  {
    image: 'docker.io/library/redis:7',
    containerfile: 'redis.Containerfile',
    files: ['redis-server-wrapper.sh', 'redis-entrypoint.sh'],
  },
  {
    image: 'docker.io/library/nginx:1.27',
    containerfile: 'nginx.Containerfile',
    files: ['nginx-entrypoint.sh', 'nginx-templates.sh'],
  },
];

const HASH_LABEL = 'org.ingestlab.stand-in.hash';

function imageExists(name: string): boolean {
  return run('podman', ['image', 'exists', name]).code === 0;
}

function labelOf(name: string): string | undefined {
  const result = run('podman', ['image', 'inspect', '--format', `{{index .Labels "${HASH_LABEL}"}}`, name]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';

/** The machine's Node, npm and CA bundle: what the node stand-in copies in. */
function hostNode() {
  const node = process.execPath;
  const npmCandidates = ['/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm'];
  const npm = npmCandidates.find((dir) => existsSync(join(dir, 'bin', 'npm-cli.js')));
  if (!npm) throw new Error(`npm not found in ${npmCandidates.join(' or ')}`);
  const ca = '/etc/ssl/certs/ca-certificates.crt';
  if (!existsSync(ca)) throw new Error(`${ca} not found (apt-get install -y ca-certificates)`);
  if (!process.version.startsWith('v20.'))
    throw new Error(`the node:20-slim stand-in needs Node 20 here, found ${process.version}`);
  return { node, npm, ca, version: process.version.slice(1) };
}

/** The machine's CA bundle, digested: the node stand-in carries it. */
function hostCaDigest(): string {
  return createHash('sha256').update(readFileSync(hostNode().ca)).digest('hex');
}

/** A hash of what a stand-in is made of (its files, the base, Node), so a change rebuilds it. */
function standInHash(standIn: StandIn, extra: string): string {
  const hash = createHash('sha256').update(extra);
  for (const file of [standIn.containerfile, ...standIn.files])
    hash.update(readFileSync(join(standIns, file)));
  return hash.digest('hex').slice(0, 16);
}

/** debootstrap → trimmed rootfs → `podman import`. About 30 s with a warm apt cache. */
async function buildBase(): Promise<void> {
  const { state } = preparePodman();
  const work = mkdtempSync(join(state, 'debootstrap-'));
  const rootfs = join(work, 'rootfs');
  try {
    console.log('stand-ins: debootstrap --variant=minbase bookworm (about 30 s)');
    const result = await runStreaming(
      'debootstrap',
      ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'],
      { prefix: 'debootstrap', env: process.env },
    );
    if (result.code !== 0) throw new Error(`debootstrap failed (exit ${result.code})`);
    // What debian:bookworm-slim leaves out: package caches, lists, docs, man pages, translations.
    for (const dir of [
      'var/cache/apt/archives',
      'var/lib/apt/lists',
      'usr/share/doc',
      'usr/share/man',
      'usr/share/info',
    ]) {
      for (const entry of readdirSync(join(rootfs, dir))) {
        if (entry !== 'partial' && entry !== 'lock')
          rmSync(join(rootfs, dir, entry), { recursive: true, force: true });
      }
    }
    for (const entry of readdirSync(join(rootfs, 'usr/share/locale'))) {
      if (entry !== 'locale.alias')
        rmSync(join(rootfs, 'usr/share/locale', entry), { recursive: true, force: true });
    }
    // As the official images do: apt keeps no downloaded packages, and future installs skip docs.
    runOk('sh', [join(standIns, 'slim-debian.sh'), rootfs], { env: process.env });
    const tar = run('sh', [
      '-c',
      `tar --numeric-owner -C '${rootfs}' -c . | podman import --change 'CMD ["bash"]' - ${BASE_IMAGE}`,
    ]);
    if (tar.code !== 0) throw new Error(`podman import failed: ${tar.stderr}`);
    podman(['tag', BASE_IMAGE, 'docker.io/library/debian:bookworm-slim']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds one stand-in from a context made of its files (and, for node, the machine's Node). */
async function buildStandIn(standIn: StandIn, hash: string, nodeVersion?: string): Promise<void> {
  const { state } = preparePodman();
  const context = mkdtempSync(join(state, 'context-'));
  try {
    for (const file of [standIn.containerfile, ...standIn.files])
      cpSync(join(standIns, file), join(context, file));
    const args = ['build', '--network', 'host', '--layers=false', '-f', join(context, standIn.containerfile)];
    if (standIn.containerfile.startsWith('node')) {
      const host = hostNode();
      cpSync(host.node, join(context, 'node'));
      cpSync(host.npm, join(context, 'npm'), { recursive: true, dereference: true });
      cpSync(host.ca, join(context, 'ca-certificates.crt'));
      // The machine's own CAs (update-ca-certificates' local folder), empty when it has none.
      mkdirSync(join(context, 'local-ca'));
      if (existsSync(LOCAL_CA_DIR)) cpSync(LOCAL_CA_DIR, join(context, 'local-ca'), { recursive: true });
      args.push('--build-arg', `NODE_VERSION=${nodeVersion ?? host.version}`);
    }
    args.push('--label', `${HASH_LABEL}=${hash}`, '-t', standIn.image, context);
    console.log(`stand-ins: building ${standIn.image}`);
    const result = await runStreaming('podman', args, { prefix: standIn.image.split('/').at(-1) });
    if (result.code !== 0) throw new Error(`building ${standIn.image} failed (exit ${result.code})`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export interface BuildOptions {
  /** Build every stand-in again, the Debian base included. Default false. */
  rebuild?: boolean;
}

/**
 * Makes sure the base and every stand-in exist and are current; builds only what is missing or
 * changed. Returns the images built this time.
 */
export async function ensureStandIns(options: BuildOptions = {}): Promise<string[]> {
  const built: string[] = [];
  if (options.rebuild || !imageExists(BASE_IMAGE)) {
    await buildBase();
    built.push(BASE_IMAGE);
  }
  const baseId = podman(['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE]).trim();
  const nodeVersion = process.version.slice(1);
  for (const standIn of STAND_INS) {
    // The base's id is in the hash: a new base rebuilds every stand-in.
    const isNode = standIn.containerfile.startsWith('node');
    const hash = standInHash(standIn, `${baseId} ${isNode ? `${nodeVersion} ${hostCaDigest()}` : ''}`);
    if (!options.rebuild && labelOf(standIn.image) === hash) continue;
    await buildStandIn(standIn, hash, nodeVersion);
    built.push(standIn.image);
  }
  return built;
}

/** Image sizes as podman reports them, for the README. */
export function imageSizes(names: readonly string[]): Record<string, string> {
  const sizes: Record<string, string> = {};
  for (const name of names) {
    const result = run('podman', ['image', 'inspect', '--format', '{{.Size}}', name]);
    if (result.code === 0) sizes[name] = `${Math.round(Number(result.stdout.trim()) / 1e6)} MB`;
  }
  return sizes;
}
