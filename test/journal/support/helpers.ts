import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeterSample } from '../../../hal/meter.js';
import { systemClock, type Clock } from '../../../src/clock.js';
import { openStore } from '../../../src/journal/open.js';
import type { JournalStore } from '../../../src/journal/store.js';
import type { SessionStart } from '../../../src/session/recorder.js';

/** A fresh state directory under the OS temp dir; `cleanup()` removes it. */
export function tempStateDir(prefix = 'evse-journal-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A hand-driven wall clock for journal timestamps (the worker's commits are real I/O, not timers). */
export function manualClock(startMs = Date.UTC(2026, 0, 15, 8, 0, 0)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = startMs;
  return {
    nowMs: () => now,
    monotonicMs: () => now - startMs,
    // Timers are the process clock's (which honour any delay); only wall time is hand-driven.
    setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
    clearTimeout: (h) => systemClock.clearTimeout(h),
    setInterval: (fn, ms) => systemClock.setInterval(fn, ms),
    clearInterval: (h) => systemClock.clearInterval(h),
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
  };
}

/** A three-phase meter sample at `importWh`, read at `atMs`. */
export function sampleAt(importWh: number, atMs: number, powerW = 11_000): MeterSample {
  const perPhase = powerW / 3;
  return {
    phases: [0, 1, 2].map(() => ({ voltageV: 230, currentA: Math.round((perPhase / 230) * 10) / 10, powerW: perPhase })),
    totalPowerW: powerW,
    importWh,
    frequencyHz: 50,
    readAtMs: atMs,
  };
}

export function sessionStart(atMs: number, meterStartWh: number, idTag: string | null = 'CARD0001'): SessionStart {
  return { connectorId: 1, idTag, plugInAtMs: atMs - 20_000, authorizedAtMs: atMs - 5_000, startAtMs: atMs, meterStartWh };
}

/** The synchronous store on a temp dir, for rules that need no worker. */
export function openTestStore(dir: string, nowMs = Date.UTC(2026, 0, 15, 8, 0, 0), maxPageCount?: number): JournalStore {
  return openStore({
    stateDir: dir,
    synchronous: 'NORMAL',
    busyTimeoutMs: 1000,
    commitDelayMs: 0,
    nowMs,
    ...(maxPageCount === undefined ? {} : { maxPageCount }),
  }).store;
}
