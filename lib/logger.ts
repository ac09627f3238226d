import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import pino from 'pino';
import { loadConfig, type Config } from './config';

/** Keys whose values must never reach a log line, at any depth we log. */
const secretKeys = [
  'password',
  'apiKey',
  'secret',
  'token',
  'authorization',
  'Authorization',
  'connectionString',
  'properties',
  'newProperties',
  'oldProperties',
];

// pino's redaction has no "any depth" wildcard, so list the depths our log objects reach.
const redactPaths = secretKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

function configuredLevel(): Config['LOG_LEVEL'] {
  try {
    return loadConfig().LOG_LEVEL;
  } catch {
    // A bad environment is reported by the entry point that loads the config; log meanwhile.
    return 'info';
  }
}

/** A structured logger that censors secret-ish keys; tests pass their own destination. */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
}

/** The process-wide logger; use `logger.child({ component })` per module. */
export const logger = createLogger(configuredLevel());

export type Logger = typeof logger;

/** Routes the Temporal SDK's logs (worker, activity and workflow loggers) into `log`. */
export function temporalLogger(log: Logger): TemporalLogger {
  // The task token identifies an activity to Temporal alone: a long opaque line in every
  // activity's log entries, which the activity and workflow ids already name.
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const { taskToken: _t, ...rest } = meta ?? {};
    log[level.toLowerCase() as Lowercase<LogLevel>](rest, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
