import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import type { LedgerEntry } from '../../../simulator/csms/bench-csms-process.js';

export type { LedgerEntry };

/** The bench CSMS in a process of its own (simulator/csms/bench-csms-process.ts), with its ledger file. */
export interface CsmsProcess {
  readonly url: string;
  /** Sends a command (`down`, `up`, `drop`) and resolves once the CSMS acknowledged it. */
  command(command: 'down' | 'up' | 'drop'): Promise<void>;
  /** Every answered Start, Stop and MeterValues so far. */
  ledger(): LedgerEntry[];
  stop(): Promise<void>;
}

export async function startCsmsProcess(ledgerFile: string): Promise<CsmsProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'simulator/csms/bench-csms-process.ts', '--ledger', ledgerFile], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, EVSE_LOG_LEVEL: 'error' },
  });
  let buffer = '';
  let stderr = '';
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const i = waiters.findIndex((w) => line.startsWith(w.prefix));
      if (i >= 0) waiters.splice(i, 1)[0]?.resolve(line);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lineStarting = (prefix: string, timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench CSMS process: no "${prefix}" within ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`)), timeoutMs);
      waiters.push({
        prefix,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  const url = (await lineStarting('listening ', 30_000)).slice('listening '.length);
  return {
    url,
    async command(command) {
      const ack = lineStarting(`ok ${command}`, 10_000);
      child.stdin.write(`${command}\n`);
      await ack;
    },
    ledger() {
      if (!existsSync(ledgerFile)) return [];
      return readFileSync(ledgerFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as LedgerEntry);
    },
    async stop() {
      child.stdin.write('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
