// What the ingest server and the worker processes share at boot: the configuration read once (a wrong
// value ends the process with the reason), their pino logger, and one graceful stop on SIGTERM/SIGINT.
import { type Logger, pino } from 'pino';
import { type Config, ConfigError, loadConfig } from './config.js';

/** The validated configuration and a logger named after the process; exits 1 on a bad setting. */
export function boot(name: string): { config: Config; logger: Logger } {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  return { config, logger: pino({ level: config.logLevel, name }) };
}

export interface GracefulStop {
  /** Logged with the signal when the stop begins. */
  stopping: string;
  /** Logged when the stop outlasts the timeout; the process then exits 1. */
  late: string;
  /** Closes what the process holds (and logs its last line); the process exits 0 after it. */
  close: () => Promise<void>;
}

/**
 * On the first SIGTERM or SIGINT: logs, runs `close` and exits 0; exits 1 when close fails or takes
 * longer than timeoutMs (SHUTDOWN_TIMEOUT_MS). Later signals are ignored while it runs.
 */
export function stopOnSignals(logger: Logger, timeoutMs: number, stop: GracefulStop): void {
  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, stop.stopping);
    const timer = setTimeout(() => {
      logger.error(stop.late);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    try {
      await stop.close();
    } catch (error) {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void onSignal('SIGTERM'));
  process.on('SIGINT', () => void onSignal('SIGINT'));
}
