// `pnpm artillery:<name>`: runs one scenario of load-tests/scenarios against a running stack and keeps
// the results in results/artillery/<name>-<timestamp>/: Artillery's JSON, its console output, and a
// summary.md / summary.html made from the JSON (Artillery 2's own `report` command is deprecated).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { scriptArgs, UsageError } from '@ingestlab/devkit/cli-args';
import { parse as parseYaml } from 'yaml';
import { timestamp } from '../compare/options.js';
import { renderHtml } from '../report/html.js';
import { type ArtilleryReport, summariseArtillery } from './summarise.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCENARIOS = ['http1-ingest', 'h2-tls-ingest', 'ws-ingest', 'viewers-ws', 'viewers-sse'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const HELP = `artillery runner: pnpm --filter @ingestlab/load-tests artillery:<name> [-- options]

  <scenario>          one of ${SCENARIOS.join(', ')}
  --quick             short phases (about 15 s) to check that a scenario works
  --target <url>      override config.target (default: the contract's port on 127.0.0.1)
  -e, --environment   one of the scenario's environments: system1 | system2 (viewer scenarios:
                      which system to watch), compose (compose-system1 | compose-system2 for
                      viewers): through docker-compose's nginx, by service name
  --out <dir>         results folder (default: results/artillery/<scenario>-<timestamp>)
  -h, --help          this text

Exit code: Artillery's (non-zero when an ensure threshold failed), 2 for bad options.
`;

/** Shorter phases for --quick; viewers also watch for less time. */
function quickOverrides(scenario: Scenario): object {
  if (scenario.startsWith('viewers')) {
    return {
      config: {
        phases: [
          { name: 'warm-up', duration: 3, arrivalRate: 5 },
          { name: 'ramp', duration: 4, arrivalRate: 5, rampTo: 10 },
          { name: 'plateau', pause: 5 },
        ],
        variables: { watchSeconds: 12 },
      },
    };
  }
  return {
    config: {
      phases: [
        { name: 'warm-up', duration: 3, arrivalRate: 2 },
        { name: 'ramp', duration: 4, arrivalRate: 2, rampTo: 5 },
        { name: 'plateau', duration: 5, arrivalRate: 5 },
      ],
    },
  };
}

interface RunArgs {
  scenario: Scenario;
  quick: boolean;
  target?: string;
  environment?: string;
  out?: string;
}

function parse(argv: string[]): RunArgs | null {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    // parseArgs names the flag already ("Unknown option '--bogus'")
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  const scenario = positionals[0];
  if (positionals.length !== 1 || !SCENARIOS.includes(scenario as Scenario)) {
    throw new UsageError(`give one scenario, one of ${SCENARIOS.join(', ')}, got "${positionals.join(' ')}"`);
  }
  const out: RunArgs = { scenario: scenario as Scenario, quick: values.quick ?? false };
  if (values.target !== undefined) out.target = values.target;
  if (values.environment !== undefined) {
    const known = scenarioEnvironments(out.scenario);
    if (!known.includes(values.environment))
      throw new UsageError(
        `--environment for ${out.scenario} must be one of ${known.join(', ') || '(none)'}, got "${values.environment}"`,
      );
    out.environment = values.environment;
  }
  if (values.out !== undefined) out.out = values.out;
  return out;
}

/** The environments a scenario file defines (config.environments), read with the yaml package. */
export function scenarioEnvironments(scenario: Scenario): string[] {
  const config = parseYaml(readFileSync(scenarioFile(scenario), 'utf8')) as {
    config?: { environments?: Record<string, unknown> };
  };
  return Object.keys(config.config?.environments ?? {});
}

export function scenarioFile(scenario: Scenario): string {
  return join(ROOT, 'scenarios', `${scenario}.yml`);
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: scriptArgs(argv),
    strict: true,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean' },
      target: { type: 'string' },
      environment: { type: 'string', short: 'e' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export async function runArtillery(args: RunArgs): Promise<{ code: number; dir: string }> {
  const dir = args.out ?? join(ROOT, 'results/artillery', `${args.scenario}-${timestamp()}`);
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const cli = [
    'run',
    '--output',
    json,
    ...(args.target ? ['--target', args.target] : []),
    ...(args.environment ? ['--environment', args.environment] : []),
    ...(args.quick ? ['--overrides', JSON.stringify(quickOverrides(args.scenario))] : []),
    scenarioFile(args.scenario),
  ];
  const bin = join(ROOT, 'node_modules/.bin/artillery');
  if (!existsSync(bin)) throw new Error(`Artillery is not installed at ${bin}: run pnpm install`);
  const log = createWriteStream(join(dir, 'console.txt'));
  const output: string[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(bin, cli, {
      cwd: ROOT,
      env: {
        ...process.env,
        ARTILLERY_DISABLE_TELEMETRY: 'true',
        // the processor imports @ingestlab/producers from source (see scenarios/processor.mjs)
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=source`.trim(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tee = (chunk: Buffer, stream: NodeJS.WriteStream) => {
      stream.write(chunk);
      log.write(chunk);
      output.push(chunk.toString());
    };
    child.stdout.on('data', (c: Buffer) => tee(c, process.stdout));
    child.stderr.on('data', (c: Buffer) => tee(c, process.stderr));
    const forward = () => child.kill('SIGINT');
    process.once('SIGINT', forward);
    child.on('exit', (exitCode) => {
      process.removeListener('SIGINT', forward);
      resolve(exitCode ?? 1);
    });
  });
  log.end();
  if (existsSync(json)) {
    const report = JSON.parse(readFileSync(json, 'utf8')) as ArtilleryReport;
    const checks = output
      .join('')
      .split('\n')
      .map((line) => stripVTControlCharacters(line).trim())
      .filter((line) => /^(ok|fail):/.test(line));
    const markdown = summariseArtillery(report, {
      scenario: args.scenario,
      command:
        `pnpm --filter @ingestlab/load-tests artillery:${args.scenario.replace('-ingest', '').replace('h2-tls', 'h2')} ${process.argv.slice(3).join(' ')}`.trim(),
      checks,
      exitCode: code,
    });
    writeFileSync(join(dir, 'summary.md'), markdown);
    writeFileSync(join(dir, 'summary.html'), renderHtml(markdown, new Map(), `Artillery ${args.scenario}`));
  }
  console.log(`\nresults: ${dir} (report.json, console.txt, summary.md, summary.html)`);
  return { code, dir };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let args: RunArgs | null;
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`artillery: ${(error as Error).message}`);
    process.exit(2);
  }
  if (!args) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  runArtillery(args).then(
    ({ code }) => process.exit(code),
    (error: unknown) => {
      console.error(`artillery: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
