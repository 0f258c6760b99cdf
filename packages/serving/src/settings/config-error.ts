// A setting that is wrong: the message names the variable, what it got and what it accepts. A process
// that meets one exits with EX_CONFIG (78, from sysexits.h) before it opens anything.

/** The exit code of a process started with a bad setting (EX_CONFIG). */
export const EX_CONFIG = 78;

export class ConfigError extends Error {
  override name = 'ConfigError';
}
