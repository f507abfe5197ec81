import { spawnSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EvseError, EvseErrorCode } from '../errors.js';

/** The lock file beside journal.db: held exclusively (flock) by the one station that writes the journal. */
export const lockFileName = 'journal.lock';

/** Exit status we ask flock(1) to use when another process holds the lock (distinct from its own errors, 1). */
const conflictStatus = 75;

/** The path of the lock file of a state directory. */
export function stateLockPath(stateDir: string): string {
  return join(stateDir, lockFileName);
}

/** Who holds a state directory, as its lock file names it. */
export interface LockHolder {
  readonly pid: number;
  readonly command: string;
}

/** An exclusive lock on a state directory, held by this process until `release()` or its death (even by SIGKILL). */
export interface StateLock {
  readonly stateDir: string;
  readonly path: string;
  /** Lets go of the lock (idempotent). The file stays: deleting it would let two processes lock two different files. */
  release(): void;
}

/** Refusal to start: another station holds the directory. Its message is the one line an operator reads. */
export class StateDirLockedError extends EvseError {
  constructor(
    readonly stateDir: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder === null ? 'pid unknown' : `pid ${holder.pid}, ${holder.command}`;
    super(EvseErrorCode.StateDirLocked, `another station (${who}) holds ${resolve(stateDir)}`);
    this.name = 'StateDirLockedError';
  }
}

/** Parses the lock file's text, `PID COMMAND`, as written by {@link lockStateDir}. */
export function parseLockHolder(text: string): LockHolder | null {
  const match = /^(\d+) (.+)$/.exec(text.split('\n', 1)[0] ?? '');
  if (match === null) return null;
  return { pid: Number(match[1]), command: match[2] as string };
}

/** Blocks this thread for `ms` (only on the refusal path, waiting for a holder that has just locked to name itself). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The holder named in the lock file; retried briefly, since a holder writes its name just after it locked. */
function readHolder(path: string): LockHolder | null {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const holder = parseLockHolder(readFileSync(path, 'utf8'));
      if (holder !== null) return holder;
    } catch {
      // unreadable: say "pid unknown" rather than hide the refusal
    }
    pause(20);
  }
  return null;
}

/**
 * Takes the exclusive lock of `stateDir` (creating the folder and `journal.lock` when needed) or throws
 * {@link StateDirLockedError} at once, without waiting. Call it before the journal is opened for writing.
 *
 * Why flock(1) on our own descriptor: Node 20 has no flock(2). This process opens the lock file and passes that
 * descriptor to `flock --nonblock 3`, which locks the shared open file description and exits. The lock belongs to the
 * description, which this process keeps open, so the kernel holds it for exactly as long as this process lives and
 * releases it when the process dies, however it dies (SIGKILL, OOM): no stale lock, no PID guessing, no helper
 * process that could outlive us. Node opens files close-on-exec, so no child of the station inherits it.
 * flock is util-linux, which every Debian has.
 *
 * `command` names the holder for an operator (e.g. "evse run"); it is written with the PID into the lock file.
 */
export function lockStateDir(stateDir: string, command: string, options: { flockCommand?: string } = {}): StateLock {
  const path = stateLockPath(stateDir);
  let fd: number | null = null;
  try {
    mkdirSync(stateDir, { recursive: true });
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    const result = spawnSync(options.flockCommand ?? 'flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(conflictStatus), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
      encoding: 'utf8',
    });
    if (result.error) {
      throw new EvseError(
        EvseErrorCode.JournalUnavailable,
        `cannot lock ${path}: ${result.error.message} (flock comes with util-linux: apt-get install util-linux)`,
        { cause: result.error },
      );
    }
    if (result.status === conflictStatus) throw new StateDirLockedError(stateDir, readHolder(path));
    if (result.status !== 0) {
      throw new EvseError(
        EvseErrorCode.JournalUnavailable,
        `cannot lock ${path}: flock exited with ${result.status ?? result.signal ?? '?'}: ${result.stderr.trim()}`,
      );
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid} ${command.replace(/\s+/g, ' ')}\n`, 0);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    if (err instanceof EvseError) throw err;
    throw new EvseError(EvseErrorCode.JournalUnavailable, `cannot lock ${path}: ${(err as Error).message}`, { cause: err });
  }
  let held: number | null = fd;
  return {
    stateDir,
    path,
    release() {
      if (held === null) return;
      const closing = held;
      held = null;
      closeSync(closing);
    },
  };
}
