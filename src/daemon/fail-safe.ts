import { ExitCode } from '../errors.js';

/** What the fail-safe drives: the station, or the bare hardware before the station is up. */
export interface FailSafeTarget {
  /** Synchronous: contactor open, pilot F. Must not throw (errors are caught here anyway). */
  enterSafeState(reason: string): void;
  /** Graceful: stop the session, release the drivers. */
  shutdown(reason: string): Promise<void>;
  /**
   * SIGHUP (`systemctl reload`): re-read what can change while charging. Synchronous; a failure must leave the old
   * settings in force. A throw is caught and logged here: a reload never ends the process. Absent: SIGHUP is logged
   * and ignored.
   */
  reload?(reason: string): void;
}

/** The part of `process` the fail-safe uses; tests pass an EventEmitter with an `exit` spy. */
export interface FailSafeProcess {
  // `any[]` at this typed boundary: Node's process.on declares its catch-all overload with it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  exit(code?: number): void;
}

export interface FailSafeOptions {
  /** The graceful shutdown gets this long before the process exits anyway (systemd's TimeoutStopSec is longer). */
  readonly shutdownTimeoutMs?: number;
  /** Where the fail-safe says what it does. Default: stderr (journald). */
  readonly log?: (line: string) => void;
}

/**
 * What installFailSafe returns: called, it removes the handlers. `fail` leaves as a crash does (safe state first, the
 * bounded graceful shutdown, exit) with `exitCode`, for a part of the station that failed for good, so that systemd
 * starts a fresh process (Restart=always).
 */
export interface FailSafeHandle {
  (): void;
  fail(reason: string, exitCode: number): void;
}

/** The signals that end the process. SIGHUP is not one of them: it means reload (ExecReload=kill -HUP). */
const EXIT_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Makes every way out of the process go through the safe state first: SIGTERM, SIGINT, an uncaught exception
 * and an unhandled rejection each call `target.enterSafeState` synchronously, before anything else, then a graceful
 * `shutdown` bounded by `shutdownTimeoutMs`, then exit: 0 after a signal and a clean shutdown, 1 after a crash, a
 * failed or overlong shutdown, or a second signal (which exits at once, after the safe state again); after
 * `handle.fail(reason, code)`, that code in every case. On 'exit' the
 * safe state is entered once more, synchronously, as the last resort.
 *
 * SIGHUP is handled here too, from the first moment, so Node's default action for it (terminate) never applies: it
 * calls `target.reload`, logs what happened and never exits, never touches the outputs; during a shutdown it is
 * ignored. Returns a function that removes the handlers.
 */
export function installFailSafe(
  target: FailSafeTarget,
  proc: FailSafeProcess = process,
  options: FailSafeOptions = {},
): FailSafeHandle {
  const timeoutMs = options.shutdownTimeoutMs ?? 5000;
  const log = options.log ?? ((line: string) => process.stderr.write(`evse: ${line}\n`));
  let shuttingDown = false;

  const safe = (reason: string): void => {
    try {
      target.enterSafeState(reason);
    } catch (err) {
      log(`entering the safe state failed (${reason}): ${describe(err)}`);
    }
  };

  /** `failure`: the exit code of a crash (any way out then exits with it); null for a signal (0 after a clean stop). */
  const leave = (reason: string, failure: number | null): void => {
    const failed = failure ?? ExitCode.Failure;
    safe(reason);
    if (shuttingDown) {
      log(`${reason} during shutdown: exiting now`);
      proc.exit(failed);
      return;
    }
    shuttingDown = true;
    log(`${reason}: outputs safe, shutting down`);
    let finished = false;
    const timer = setTimeout(() => {
      if (finished) return;
      finished = true;
      log(`shutdown did not finish within ${timeoutMs} ms: exiting`);
      safe('shutdown timeout');
      proc.exit(failed);
    }, timeoutMs);
    let shutdown: Promise<void>;
    try {
      shutdown = target.shutdown(reason);
    } catch (err) {
      shutdown = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    shutdown.then(
      () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        proc.exit(failure ?? ExitCode.Ok);
      },
      (err: unknown) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        log(`shutdown failed: ${describe(err)}`);
        safe('shutdown failed');
        proc.exit(failed);
      },
    );
  };

  const reload = (): void => {
    if (shuttingDown) {
      log('received SIGHUP during shutdown: no reload');
      return;
    }
    if (target.reload === undefined) {
      log('received SIGHUP: nothing to reload, still running');
      return;
    }
    log('received SIGHUP: reloading');
    try {
      target.reload('received SIGHUP');
    } catch (err) {
      log(`reload failed, the running settings stay: ${describe(err)}`);
    }
  };

  const handlers: Array<[string, (arg: unknown) => void]> = [
    ...EXIT_SIGNALS.map((signal): [string, () => void] => [signal, () => leave(`received ${signal}`, null)]),
    ['SIGHUP', reload],
    ['uncaughtException', (err: unknown) => leave(`uncaught exception: ${describe(err, true)}`, ExitCode.Failure)],
    ['unhandledRejection', (reason: unknown) => leave(`unhandled rejection: ${describe(reason, true)}`, ExitCode.Failure)],
    ['exit', () => safe('process exit')],
  ];
  for (const [event, handler] of handlers) proc.on(event, handler);
  const uninstall = (): void => {
    for (const [event, handler] of handlers) proc.removeListener(event, handler);
  };
  return Object.assign(uninstall, { fail: (reason: string, exitCode: number) => leave(reason, exitCode) });
}

function describe(err: unknown, withStack = false): string {
  if (err instanceof Error) return withStack && err.stack ? err.stack : err.message;
  return String(err);
}
