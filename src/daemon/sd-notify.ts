import { execFile } from 'node:child_process';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';

/** Sends one sd_notify datagram. Must not throw: a notify failure never stops the station. */
export interface NotifyTransport {
  send(message: string): void;
  close(): void;
}

/**
 * The path socket systemd gives a Type=notify service (`/run/systemd/notify`). Node has no unix datagram sockets, so
 * this goes through unix-dgram: the datagram leaves from the main process itself, which is what systemd's default
 * NotifyAccess=main accepts, and a watchdog ping costs one sendto(), not a fork.
 */
export async function unixDgramTransport(socketPath: string, onError: (err: Error) => void): Promise<NotifyTransport> {
  const unix = await import('unix-dgram');
  const socket = unix.createSocket('unix_dgram');
  socket.on('error', onError);
  return {
    send(message: string): void {
      const buf = Buffer.from(message);
      socket.send(buf, 0, buf.length, socketPath, (err) => {
        if (err) onError(err);
      });
    },
    close(): void {
      socket.close();
    },
  };
}

/**
 * Fallback for an abstract-namespace socket (`@…`), which unix-dgram cannot address: `systemd-notify --pid`. It forks,
 * and systemd accepts it only with NotifyAccess=all; the shipped unit uses a path socket and never needs it.
 */
export function systemdNotifyCliTransport(pid: number, onError: (err: Error) => void): NotifyTransport {
  return {
    send(message: string): void {
      execFile('systemd-notify', [`--pid=${pid}`, ...message.split('\n')], (err) => {
        if (err) onError(err);
      });
    },
    close(): void {},
  };
}

/** The sd_notify protocol over a transport; a no-op when the process was not started by systemd as Type=notify. */
export class SdNotifier {
  constructor(private readonly transport: NotifyTransport | null) {}

  /** True when NOTIFY_SOCKET was set. */
  get enabled(): boolean {
    return this.transport !== null;
  }

  /** READY=1: the station is up (systemd then considers the start finished), or a reload finished. */
  ready(status = 'station running'): void {
    this.transport?.send(`READY=1\nSTATUS=${status}\nMAINPID=${process.pid}`);
  }

  /**
   * RELOADING=1 at the start of a reload (SIGHUP), with MONOTONIC_USEC (CLOCK_MONOTONIC, which is what
   * `process.hrtime` reads on Linux) so systemd ≥ 253 can tell this reload from an older one. systemd then shows the
   * unit as "reloading" until the next `ready()`, which must follow whether the reload succeeded or not.
   */
  reloading(status = 'reloading', monotonicUsec: bigint = process.hrtime.bigint() / 1000n): void {
    this.transport?.send(`RELOADING=1\nSTATUS=${status}\nMONOTONIC_USEC=${monotonicUsec}`);
  }

  /** STOPPING=1 at the start of a graceful shutdown. */
  stopping(status = 'stopping'): void {
    this.transport?.send(`STOPPING=1\nSTATUS=${status}`);
  }

  status(text: string): void {
    this.transport?.send(`STATUS=${text}`);
  }

  /** WATCHDOG=1: the control loop is alive. */
  watchdog(): void {
    this.transport?.send('WATCHDOG=1');
  }

  close(): void {
    this.transport?.close();
  }
}

/**
 * Builds the notifier from the environment systemd sets. `NOTIFY_SOCKET` unset → a no-op notifier (bench, tests).
 * The variable is removed from `env` afterwards so child processes do not talk to systemd on our behalf.
 */
export async function createSdNotifier(
  env: NodeJS.ProcessEnv = process.env,
  onError: (err: Error) => void = () => undefined,
): Promise<SdNotifier> {
  const socket = env['NOTIFY_SOCKET'];
  if (socket === undefined || socket === '') return new SdNotifier(null);
  delete env['NOTIFY_SOCKET'];
  if (socket.startsWith('@')) return new SdNotifier(systemdNotifyCliTransport(process.pid, onError));
  return new SdNotifier(await unixDgramTransport(socket, onError));
}

/**
 * The watchdog ping interval: half of WATCHDOG_USEC, in ms, as sd_watchdog_enabled(3) advises; null when the watchdog
 * is off or meant for another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | null {
  const usec = env['WATCHDOG_USEC'];
  if (usec === undefined || !/^\d+$/.test(usec)) return null;
  const watchdogPid = env['WATCHDOG_PID'];
  if (watchdogPid !== undefined && watchdogPid !== String(pid)) return null;
  const ms = Number(usec) / 1000 / 2;
  return ms > 0 ? ms : null;
}

/**
 * Pings the watchdog from the control loop: `onTick` subscribes to the loop's tick (Station.onTick), and a tick sends
 * WATCHDOG=1 when at least `intervalMs` passed since the last ping. No timer of its own: a blocked loop stops the
 * pings, so systemd restarts the process. Returns a function that stops it.
 */
export function startWatchdog(
  notifier: SdNotifier,
  onTick: (listener: () => void) => () => void,
  intervalMs: number | null,
  clock: Clock = systemClock,
): () => void {
  if (intervalMs === null || !notifier.enabled) return () => undefined;
  let lastPingMs = Number.NEGATIVE_INFINITY;
  return onTick(() => {
    const now = clock.monotonicMs();
    if (now - lastPingMs < intervalMs) return;
    lastPingMs = now;
    notifier.watchdog();
  });
}
