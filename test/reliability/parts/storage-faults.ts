/**
 * Storage faults in the middle of a session: the whole station on the simulator (control core, Modbus-less direct
 * meter, the real SQLite journal as its session recorder, wired as `evse sim` and `evse run` wire it: a journal that
 * becomes unavailable raises journal-unavailable) charges an EV; then its disk fills up, is remounted read-only, or
 * every commit takes 200 ms (a worn SD card's fsync).
 *
 * - Disk full and read-only: the station must say so (journal-unavailable), open the contactor (the fault's severity
 *   is `stop`: DESIGN.md, journal first: no charging that cannot be billed) and close it for nobody while the journal
 *   is gone; and every record the journal acknowledged must be in the file once the disk is back.
 * - 200 ms commits: charging goes on (no fault, no stop), nothing acknowledged is lost.
 *
 * Real file systems are mounted for the journal (needs root: CI runs as root): a small tmpfs that is then filled to
 * the last block, and an ext4 image on a loop device mounted errors=remount-ro, whose kernel is then told of an error
 * (/sys/fs/ext4/DEV/trigger_fs_error) and remounts it read-only under the open journal, as a failing SD card does (a
 * plain `mount -o remount,ro` is refused while files are open for writing). Without the privilege, disk full falls
 * back to SQLite's own page cap (max_page_count, the same SQLITE_FULL) and read-only is skipped with its reason; under
 * CI=true a missing privilege is a failure, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { acceleratedClock, systemClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config/load.js';
import { openJournal, type Journal } from '../../../src/journal/journal.js';
import { silentLogger } from '../../../src/logger.js';
import type { SessionRecorder } from '../../../src/session/recorder.js';
import { createSimStation } from '../../../src/commands/sim/sim-station.js';
import { benchConfigInput } from '../../../simulator/bench-config.js';
import { info, zero, type PartOptions, type Row } from './row.js';
import { sleep } from './journal-uplink.js';

const part = 'storage faults';
type Fault = 'disk full' | 'read-only remount' | '200 ms fsync';

/** What the journal acknowledged (its promise resolved): these must be in the file afterwards. */
interface Acknowledged {
  sessions: number[];
  samples: Map<number, number>;
  stops: number[];
}

/** The journal as the station's recorder, counting what it acknowledged. */
function countingRecorder(journal: Journal, ack: Acknowledged): SessionRecorder {
  return {
    startSession: async (s) => {
      const id = await journal.startSession(s);
      ack.sessions.push(id);
      return id;
    },
    recordSample: async (id, sample) => {
      await journal.recordSample(id, sample);
      ack.samples.set(id, (ack.samples.get(id) ?? 0) + 1);
    },
    recordEvent: (id, e) => journal.recordEvent(id, e),
    stopSession: async (id, stop) => {
      await journal.stopSession(id, stop);
      ack.stops.push(id);
    },
    recordUnplug: (id, at) => journal.recordUnplug(id, at),
  };
}

/** Mounts the fault's file system on `dir`; null when done, else why it could not. */
function tryMount(fault: Fault, dir: string, image: string): string | null {
  try {
    if (fault === 'disk full') {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'pipe' });
    } else {
      execFileSync('truncate', ['-s', '32M', image], { stdio: 'pipe' });
      execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'pipe' });
      execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, dir], { stdio: 'pipe' });
    }
    return null;
  } catch (err) {
    return (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
  }
}

function fillDisk(dir: string): void {
  // Chunks until ENOSPC: the tmpfs is full to the last block.
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(dir, `filler-${i}`), Buffer.alloc(64 * 1024, 1));
    } catch {
      return;
    }
  }
}

interface FaultOutcome {
  readonly rows: Row[];
}

async function runFault(fault: Fault, scale: PartOptions['scale'], log: (l: string) => void): Promise<FaultOutcome> {
  const label = (s: string): string => `${fault}: ${s}`;
  const root = mkdtempSync(join(tmpdir(), 'evse-rel-storage-'));
  const mountDir = join(root, 'mnt');
  mkdirSync(mountDir);
  let mounted = false;
  try {
    let capPages: number | undefined;
    if (fault !== '200 ms fsync') {
      const why = tryMount(fault, mountDir, join(root, 'ext4.img'));
      if (why === null) mounted = true;
      else if (process.env['CI'] === 'true') return { rows: [zero(part, label(`cannot mount a tmpfs under CI (${why})`), 1)] };
      else if (fault === 'read-only remount') {
        log(`${part}: ${fault} SKIPPED: mounting a tmpfs needs root (${why}); CI runs it`);
        return { rows: [info(part, label(`SKIPPED, needs root to mount a tmpfs (${why})`), 0)] };
      }
    }
    const stateDir = join(mountDir, 'state');
    if (fault === 'disk full' && !mounted) {
      // No privilege: SQLite's own cap gives the same SQLITE_FULL once the file reaches it.
      const setup = await openJournal({ stateDir });
      await setup.close();
      const db = new Database(join(stateDir, 'journal.db'));
      capPages = (db.pragma('page_count', { simple: true }) as number) + 6;
      db.close();
    }
    const speed = 10;
    const clock = acceleratedClock(speed);
    const journal = await openJournal({
      stateDir,
      clock,
      logger: silentLogger(),
      ...(fault === '200 ms fsync' ? { commitDelayMs: 200 } : {}),
      ...(capPages !== undefined ? { maxPageCount: capPages } : {}),
    });
    const ack: Acknowledged = { sessions: [], samples: new Map(), stops: [] };
    const config = parseConfig(benchConfigInput);
    const sim = await createSimStation({ config, clock, ioClock: systemClock, logger: silentLogger(), recorder: countingRecorder(journal, ack), reader: journal, meterPath: 'direct' });
    // As `evse sim` and `evse run` wire it.
    journal.onUnavailable((err) => sim.station.controller.raiseFault('journal-unavailable', err.message));
    const faults: { name: string; atMs: number }[] = [];
    const commands: { position: string; atMs: number }[] = [];
    sim.station.onEvent((e) => {
      if (e.type === 'fault' && e.event.type === 'raised') faults.push({ name: e.event.fault.definition.name, atMs: Date.now() });
    });
    sim.world.contactor.onCommand = (position) => commands.push({ position, atMs: Date.now() });
    const closed = (): boolean => sim.world.contactor.commanded() === 'closed';
    const waitFor = async (what: string, predicate: () => boolean, timeoutMs: number): Promise<boolean> => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) {
          log(`${part}: ${fault}: no ${what} within ${timeoutMs} ms`);
          return false;
        }
        await sleep(10);
      }
      return true;
    };
    let rows: Row[];
    try {
      sim.world.plug();
      await sleep(300);
      await sim.station.tap(config.simulator.idTag);
      if (!(await waitFor('closed contactor', closed, 20_000))) throw new Error('the session never started charging');
      const sessionId = ack.sessions[0];
      const before = scale === 'full' ? 30 : 3;
      await waitFor(`${before} acknowledged samples`, () => (ack.samples.get(sessionId ?? -1) ?? 0) >= before, 60_000);
      const injectedAt = Date.now();
      if (fault === 'disk full') {
        if (mounted) fillDisk(mountDir);
      } else if (fault === 'read-only remount') {
        // The kernel's own remount-ro on a file-system error, under the open journal.
        const device = execFileSync('findmnt', ['-n', '-o', 'SOURCE', mountDir], { encoding: 'utf8' }).trim().replace('/dev/', '');
        writeFileSync(`/sys/fs/ext4/${device}/trigger_fs_error`, '1');
      }
      const observeMs = scale === 'full' ? 20_000 : 2_500;
      if (fault === '200 ms fsync') {
        const samplesBefore = ack.samples.get(sessionId ?? -1) ?? 0;
        await sleep(observeMs);
        const stillClosed = closed();
        rows = [
          info(part, label(`samples acknowledged in ${observeMs / 1000} s of slow commits`), (ack.samples.get(sessionId ?? -1) ?? 0) - samplesBefore),
          zero(part, label('faults raised'), faults.length),
          zero(part, label('session stopped by the slow disk (contactor opened)'), stillClosed && !commands.some((c) => c.atMs > injectedAt && c.position === 'open') ? 0 : 1),
        ];
      } else {
        // The journal learns of it at its next commit: a meter sample, within a second of station time.
        await waitFor('journal-unavailable', () => faults.some((f) => f.name === 'journal-unavailable'), observeMs);
        const raised = faults.find((f) => f.name === 'journal-unavailable');
        await waitFor('open contactor', () => !closed(), 5_000);
        // The contactor opens in the same reaction that raises the fault; its event may be posted a moment later.
        const openedAt = commands.find((c) => c.position === 'open' && c.atMs >= injectedAt)?.atMs;
        // A driver comes back and tries again: nobody may charge on a journal that cannot bill.
        sim.world.unplug();
        await sleep(500);
        sim.world.plug();
        await sleep(300);
        await sim.station.tap(config.simulator.idTag).catch(() => undefined);
        await sleep(scale === 'full' ? 5_000 : 1_000);
        if (process.env['REL_DEBUG']) log(`${fault}: injected ${injectedAt} faults ${JSON.stringify(faults)} commands ${JSON.stringify(commands)} now ${sim.world.contactor.commanded()} status ${sim.station.controller.snapshot().status}`);
        const closingsAfter = commands.filter((c) => c.position === 'closed' && c.atMs > (raised?.atMs ?? injectedAt)).length;
        rows = [
          zero(part, label('journal-unavailable not raised'), raised ? 0 : 1),
          info(part, label('fault raised after the fault was injected'), raised ? raised.atMs - injectedAt : -1, 'ms'),
          info(part, label('contactor opened after the fault was injected'), openedAt !== undefined ? openedAt - injectedAt : -1, 'ms'),
          zero(part, label('contactor still closed 5 s after the fault'), closed() || openedAt === undefined ? 1 : 0),
          zero(part, label('contactor closings while the journal is unavailable'), closingsAfter),
        ];
        if (capPages !== undefined) rows.push(info(part, label('no root: SQLite page cap instead of a full tmpfs'), 1));
      }
    } finally {
      if (mounted && fault === 'disk full') for (const f of readdirSync(mountDir).filter((n) => n.startsWith('filler-'))) rmSync(join(mountDir, f));
      await sim.close().catch(() => undefined);
      await journal.close().catch(() => undefined);
    }
    // Every acknowledged record must be in the file: read a copy (the read-only file system cannot take SQLite's
    // shared-memory index beside it).
    const copy = join(root, 'copy');
    mkdirSync(copy);
    for (const f of readdirSync(stateDir).filter((n) => n.startsWith('journal.db'))) copyFileSync(join(stateDir, f), join(copy, f));
    const db = new Database(join(copy, 'journal.db'), { readonly: true });
    let lost = 0;
    try {
      for (const id of ack.sessions) if (db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(id) === undefined) lost++;
      for (const [id, n] of ack.samples) {
        const have = (db.prepare('SELECT COUNT(*) AS n FROM samples WHERE session_id = ?').get(id) as { n: number }).n;
        lost += Math.max(0, n - have);
      }
      for (const id of ack.stops) if (db.prepare('SELECT 1 FROM sessions WHERE id = ? AND stop_at IS NOT NULL').get(id) === undefined) lost++;
    } finally {
      db.close();
    }
    const acknowledged = ack.sessions.length + [...ack.samples.values()].reduce((a, b) => a + b, 0) + ack.stops.length;
    rows.push(info(part, label('records acknowledged by the journal'), acknowledged), zero(part, label('acknowledged records lost'), lost));
    return { rows };
  } finally {
    if (mounted) {
      try {
        execFileSync('umount', [mountDir], { stdio: 'pipe' });
      } catch (err) {
        log(`${part}: umount ${mountDir}: ${(err as Error).message}`);
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

export async function run(options: PartOptions): Promise<Row[]> {
  const log = options.log ?? (() => undefined);
  const rows: Row[] = [];
  for (const fault of (process.env['REL_FAULTS']?.split(',') ?? ['disk full', 'read-only remount', '200 ms fsync']) as Fault[]) rows.push(...(await runFault(fault, options.scale, log)).rows);
  return rows;
}
