import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** Two connected pseudo-terminals made by socat, like the two ends of a serial cable. */
export interface PtyPair {
  readonly a: string;
  readonly b: string;
  close(): Promise<void>;
}

/**
 * Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and resolves with the two /dev/pts paths it prints on stderr once
 * its transfer loop runs: the serial cable of the bench (board-sim, the tests, the benchmarks). Rejects when socat cannot
 * be started or prints no pair within `timeoutMs`.
 */
export function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const child: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`socat gave no pty pair within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const paths = [...stderr.matchAll(/PTY is (\/dev\/pts\/\d+)/g)].map((m) => m[1] ?? '');
      const [a, b] = paths;
      if (a !== undefined && b !== undefined && stderr.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve({ a, b, close });
      }
    });
  });
}

/** True when socat is on the PATH. */
export function hasSocat(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v socat'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
