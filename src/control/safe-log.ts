import type { Logger } from '../logger.js';

/**
 * Writes a log line that cannot throw at its caller: on the control path a logger that fails (a full disk under a
 * synchronous destination, a bug in a serializer) must never keep a safety action or a fault from happening.
 */
export function logSafely(log: Logger, level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string): void {
  try {
    log[level](fields, msg);
  } catch {
    // Nothing more can be done for this line; the caller goes on.
  }
}
