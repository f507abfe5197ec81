import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line (OCPP AuthorizationKey, TLS keys, passwords). */
const redactedPaths = ['*.authorizationKey', '*.password', '*.privateKey', 'authorizationKey', 'password', 'privateKey'];

/**
 * Creates the process logger. One JSON line per event on stdout (journald keeps them); `pretty` prints short
 * human lines for the bench. Modules take a child with `{ module: 'name' }`.
 */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? process.env['EVSE_LOG_LEVEL'] ?? 'info',
    redact: { paths: redactedPaths, censor: '[secret]' },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that writes nothing, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
