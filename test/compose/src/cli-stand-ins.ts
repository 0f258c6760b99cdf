// `pnpm stand-ins`: builds (or checks) the stand-in base images for podman; see src/stand-ins.ts.
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { scriptArgs } from '@ingestlab/devkit';
import { preparePodman, run, stateDir } from './podman-env.js';
import { BASE_IMAGE, ensureStandIns, imageSizes, STAND_INS } from './stand-ins.js';

const HELP = `Usage: pnpm stand-ins [-- options]

Builds stand-ins for the public base images (node:20-slim, redis:7, nginx:1.27) from a debootstrap'd
Debian and this machine's Node, in podman's private store (INGESTLAB_PODMAN_DIR, default
/var/tmp/ingestlab-podman). Only what is missing or changed is built.

Options:
  --rebuild   build the Debian base and every stand-in again
  --purge     remove the whole private store (images, build cache) and exit
  -h, --help  this text
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: scriptArgs(process.argv.slice(2)),
    options: {
      rebuild: { type: 'boolean', default: false },
      purge: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values.purge) {
    preparePodman();
    // Not `podman system reset`: that would also drop networks other podman users keep in /etc.
    run('podman', ['rm', '--all', '--force']);
    run('podman', ['volume', 'prune', '--force']);
    run('podman', ['rmi', '--all', '--force']);
    rmSync(stateDir(), { recursive: true, force: true });
    console.log(`stand-ins: removed ${stateDir()}`);
    return;
  }
  preparePodman();
  const started = Date.now();
  const built = await ensureStandIns({ rebuild: values.rebuild });
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    built.length ? `stand-ins: built ${built.join(', ')} in ${seconds} s` : 'stand-ins: all current',
  );
  for (const [name, size] of Object.entries(imageSizes([BASE_IMAGE, ...STAND_INS.map((s) => s.image)])))
    console.log(`  ${name.padEnd(40)} ${size}`);
}

main().catch((error: unknown) => {
  console.error(`stand-ins: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
