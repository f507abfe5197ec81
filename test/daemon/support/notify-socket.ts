import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import unix from 'unix-dgram';

/** A NOTIFY_SOCKET as systemd opens it: a unix datagram socket bound to a path; records every message. */
export class TestNotifySocket {
  readonly path: string;
  readonly messages: string[] = [];
  private readonly dir: string;
  private readonly socket: ReturnType<typeof unix.createSocket>;
  private waiters: Array<() => void> = [];

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'evse-notify-'));
    this.path = join(this.dir, 'notify');
    this.socket = unix.createSocket('unix_dgram', (msg) => {
      this.messages.push(msg.toString('utf8'));
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.bind(this.path);
  }

  /** Messages that contain `field` (e.g. `READY=1`). */
  with(field: string): string[] {
    return this.messages.filter((m) => m.split('\n').includes(field));
  }

  /** Resolves when `predicate` holds, rejects after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; messages so far: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
