import type { ByteLink } from '../../hal/modbus/link.js';
import { runAt } from './precise-timer.js';

/** Settings of the in-process line between the driver and the simulated meter. */
export interface VirtualLinkOptions {
  readonly baudRate: number;
  /**
   * Emulate a half-duplex RS-485 line: a frame of n bytes occupies the line for n character times (11 bits each), and
   * the receiver sees it only after t3.5 of silence, as an RTU receiver detects the end of a frame.
   */
  readonly emulateLineTiming: boolean;
}

/** Both ends of a virtual line, and a way to cut it. */
export interface VirtualLinkPair {
  readonly master: ByteLink;
  readonly slave: ByteLink;
  close(): Promise<void>;
}

/** Character time in ms at `baudRate` (start, 8 data, parity or second stop, stop). */
export function characterTimeMs(baudRate: number): number {
  return (11 * 1000) / baudRate;
}

/** t3.5 in ms: 3.5 characters up to 19200 baud, 1.75 ms fixed above (Modbus over serial line, 2.5.1.1). */
export function t35Ms(baudRate: number): number {
  return baudRate > 19_200 ? 1.75 : 3.5 * characterTimeMs(baudRate);
}

/**
 * Creates a connected pair of byte links. Without line timing a write arrives on the other end on the next turn of the
 * event loop (setImmediate), like a serial port's data event.
 */
export function createVirtualLinkPair(options: VirtualLinkOptions): VirtualLinkPair {
  const listeners: { master: ((chunk: Uint8Array) => void)[]; slave: ((chunk: Uint8Array) => void)[] } = { master: [], slave: [] };
  const pending = new Set<() => void>();
  let lineBusyUntilMs = 0;
  // How late the emulator delivered the last frame to each end. That lateness is the emulator's timer jitter, not
  // wire time, so the end's next frame is put on the line as if it had been delivered on time (never before the line
  // is free): the emulated line then costs exactly its character times and gaps, and everything else is measured.
  const lateByMs = { master: 0, slave: 0 };
  let closed = false;
  const charMs = characterTimeMs(options.baudRate);
  const gapMs = t35Ms(options.baudRate);

  const send = (from: 'master' | 'slave', to: 'master' | 'slave', bytes: Uint8Array): void => {
    if (closed || bytes.length === 0) return;
    const copy = bytes.slice();
    const deliver = (): void => {
      if (closed) return;
      for (const listener of listeners[to]) listener(copy);
    };
    if (!options.emulateLineTiming) {
      const immediate = setImmediate(() => {
        pending.delete(cancel);
        deliver();
      });
      const cancel = (): void => clearImmediate(immediate);
      pending.add(cancel);
      return;
    }
    const startMs = Math.max(performance.now() - lateByMs[from], lineBusyUntilMs);
    lateByMs[from] = 0;
    const endMs = startMs + copy.length * charMs;
    lineBusyUntilMs = endMs;
    const dueMs = endMs + gapMs;
    const cancel = runAt(dueMs, () => {
      pending.delete(cancel);
      lateByMs[to] = Math.max(0, performance.now() - dueMs);
      deliver();
    });
    pending.add(cancel);
  };

  const end = (self: 'master' | 'slave', other: 'master' | 'slave'): ByteLink => ({
    write: (bytes) => send(self, other, bytes),
    onData: (listener) => {
      listeners[self].push(listener);
    },
    close: async () => {
      listeners[self] = [];
      await Promise.resolve();
    },
  });

  return {
    master: end('master', 'slave'),
    slave: end('slave', 'master'),
    close: async () => {
      closed = true;
      for (const cancel of pending) cancel();
      pending.clear();
      await Promise.resolve();
    },
  };
}
