import { execFileSync } from 'node:child_process';

/**
 * Why a private mount namespace with bind mounts over /sys/class cannot be had here, or null when it can. The same
 * rule as the daemon tests' probe (copied: the simulator does not import from test/): root, and `unshare -m` with a
 * mount allowed.
 */
export function namespaceUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for a private mount namespace (unshare -m)';
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs evse-probe /sys/class'], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `unshare -m / mount over /sys/class not allowed here: ${(err as Error).message.split('\n')[0] ?? ''}`;
  }
}

/**
 * The mount script: bind the board's `class/gpio` and `class/pwm` over the real ones where those exist; on a machine
 * without them (no mount point to bind onto, and sysfs takes no new folders) bind the board's whole `class` over
 * `/sys/class`. `$0` is the board's class folder; the command follows.
 */
const mountScript =
  'if [ -d /sys/class/gpio ] && [ -d /sys/class/pwm ]; then ' +
  'mount --bind "$0/gpio" /sys/class/gpio && mount --bind "$0/pwm" /sys/class/pwm; ' +
  'else mount --bind "$0" /sys/class; fi && exec "$@"';

/**
 * The argv that runs `command` in a private mount namespace where `/sys/class/gpio` and `/sys/class/pwm` are the
 * board's (see {@link mountScript}). Spawn it as `spawn(argv[0], argv.slice(1))`; only this process tree sees the
 * mounts, and they vanish with it. The 1-wire bus is not mounted: point the temperature driver at the board's
 * `w1DevicesDir` (its sysfs root) instead.
 */
export function boardNamespaceArgv(classDir: string, command: readonly string[]): string[] {
  return ['unshare', '-m', 'sh', '-c', mountScript, classDir, ...command];
}
