// The process around an app, the same for every ingestlab server and worker: `--help`, settings read
// once (a bad one exits 78 with the variable named), one logger, and the lifecycle: on the first
// SIGTERM/SIGINT a graceful stop, on a second an immediate exit, on an uncaught error a drain and
// exit 1, and exit 1 when the stop outlasts SHUTDOWN_TIMEOUT_MS (close-with-grace).
import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { ConfigError, EX_CONFIG } from './settings/config-error.js';
import { createLogger } from './logger.js';

export interface Running {
  /** Stops what the process started: stop taking data, finish what is in flight, close connections. */
  close(): Promise<void>;
  /** Logged with the last line (`stopped`), e.g. final counts. */
  summary?(): Record<string, unknown>;
}

export interface ProcessOptions<C> {
  /** Process name, in every log line (`http-ingest`, `http-ingest-worker`, `ws-ingest`). */
  name: string;
  /** Printed for `--help`. */
  help: string;
  /** Reads and validates the settings; throws ConfigError. */
  loadConfig: () => C;
  /** Starts serving; resolves once listening. A rejection exits 1 with the reason. */
  start: (config: C, logger: Logger) => Promise<Running>;
}

/** Runs a process; never resolves while it serves. */
export async function runProcess<C extends { logLevel: string; shutdownTimeoutMs: number }>(
  options: ProcessOptions<C>,
): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${options.help.trim()}\n`);
    process.exit(0);
  }
  let config: C;
  try {
    config = options.loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${options.name}: bad setting: ${error.message}\n`);
    process.exit(EX_CONFIG);
  }
  const logger = createLogger(options.name, config.logLevel);
  let running: Running;
  try {
    running = await options.start(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
  closeWithGrace(
    {
      delay: config.shutdownTimeoutMs,
      logger: { error: (message: unknown) => logger.error(String(message)) },
      onSecondSignal: (signal: string) => logger.error({ signal }, 'second signal: exiting now'),
      onTimeout: (delay: number) => logger.error({ delay }, 'stop took too long: exiting'),
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'uncaught error: draining, then exiting 1');
      else logger.info({ signal }, 'stopping');
      await running.close();
      logger.info(running.summary?.() ?? {}, 'stopped');
    },
  );
}
