/**
 * Runs the OCPP 2.0.1 fuzz: the real 2.0.1 client (createOcpp201Client) over the REAL SQLite journal, against the
 * hostile CSMS speaking ocpp2.0.1 over a real loopback websocket. Returns what went wrong (empty: nothing did), so the
 * short test and the reliability part assert the same things: the exact CALLERROR for every malformed or
 * schema-breaking frame, the right CALLRESULT (statuses included) for every valid call, no close, no reconnect, and
 * the state unchanged (journal settings and outbox, charging profiles, certificates, what the station was asked to do).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../../../src/clock.js';
import { openJournal, type Journal } from '../../../src/journal/journal.js';
import { journalPath } from '../../../src/journal/open.js';
import { silentLogger } from '../../../src/logger.js';
import { createOcpp201Client, type Ocpp201Client } from '../../../src/ocpp/v201/client.js';
import { createHostileCsms, stationFrameReader } from '../fuzz-csms.js';
import { FakeStation } from '../support/fake-station.js';
import { STATION } from '../support/harness.js';
import { MemoryOutboxStore } from '../support/memory-outbox.js';
import { allSchemaBreakers, fuzzFrame201, OCPP201_ERROR_CODES, seeded, type AnswerCheck, type FuzzFrame201 } from './fuzz-frames-201.js';
import { fastConfig201, sleep, waitFor } from './rig.js';

export interface FuzzReport201 {
  readonly frames: number;
  readonly failures: string[];
  readonly byKind: Record<string, number>;
  readonly closes: number;
  readonly reconnects: number;
  /** Schema breakers the run could draw from (every handled action, every one-place break). */
  readonly breakers: number;
}

export interface FuzzOptions201 {
  readonly seed: number;
  readonly frames: number;
  /** Frames sent back to back before waiting for their answers (default 1). */
  readonly burst?: number;
  /** Instead of seeded frames: every schema breaker of every handled action once, in order (`frames` is ignored). */
  readonly everyBreaker?: boolean;
}

/** A valid answer to each call the station makes, so it is registered and idle while fuzzed. */
function answerOf(action: string): Record<string, unknown> {
  const currentTime = new Date().toISOString();
  if (action === 'BootNotification') return { status: 'Accepted', currentTime, interval: 0 };
  if (action === 'Heartbeat') return { currentTime };
  if (action === 'Authorize') return { idTokenInfo: { status: 'Accepted' } };
  return {};
}


/** What a refused call could touch, read from the journal file itself and from the client. */
async function snapshot(client: Ocpp201Client, journal: Journal, station: FakeStation, dir: string): Promise<Record<string, string>> {
  const db = new Database(journalPath(dir), { readonly: true });
  try {
    return {
      settings: JSON.stringify(db.prepare('SELECT namespace, key, value FROM settings ORDER BY namespace, key').all()),
      outbox: JSON.stringify(db.prepare('SELECT seq, kind, state, attempts FROM outbox ORDER BY seq').all()),
      sessions: JSON.stringify(db.prepare('SELECT COUNT(*) AS n FROM sessions').get()),
      outboxDepth: String(await journal.depth()),
      deviceModel: JSON.stringify(client.deviceModel.report('ConfigurationInventory')),
      chargingProfiles: JSON.stringify(client.smartCharging.installed()),
      certificates: existsSync(join(dir, 'certificates')) ? JSON.stringify(readdirSync(join(dir, 'certificates'), { recursive: true }).sort()) : 'none',
      stationRequests: JSON.stringify(station.requests),
      registration: client.registration.status(),
    };
  } finally {
    db.close();
  }
}

class Expected {
  private readonly pending = new Map<string, { code: string | null; check?: AnswerCheck; what: string }[]>();

  add(id: string, due: { code: string | null; check?: AnswerCheck; what: string }): void {
    this.pending.set(id, [...(this.pending.get(id) ?? []), due]);
  }

  take(id: string): { code: string | null; check?: AnswerCheck; what: string } | undefined {
    const list = this.pending.get(id);
    const due = list?.shift();
    if (list && list.length === 0) this.pending.delete(id);
    return due;
  }

  get size(): number {
    return this.pending.size;
  }
}

export async function runFuzz201(options: FuzzOptions201): Promise<FuzzReport201> {
  const dir = mkdtempSync(join(tmpdir(), 'evse-v201-fuzz-'));
  const csms = await createHostileCsms('ocpp2.0.1');
  const journal = await openJournal({ stateDir: dir, clock: systemClock });
  const station = new FakeStation(new MemoryOutboxStore());
  const failures: string[] = [];
  const byKind: Record<string, number> = {};
  const closes: string[] = [];
  let client: Ocpp201Client | null = null;
  let frames = 0;
  try {
    client = await createOcpp201Client({
      // Pings every second: the station's keep-alive runs during the fuzz too.
      config: fastConfig201(csms.url, { stateDir: dir, callTimeoutS: 5, initialKeys: { 'OCPPCommCtrlr/WebSocketPingInterval': '1' } }),
      station: STATION,
      port: station,
      outbox: journal,
      kv: journal,
      clock: systemClock,
      logger: silentLogger(),
      outboxPollMs: 20,
      meterTickMs: 50,
    });
    const c = client;
    c.connection.onClose((reason) => closes.push(reason));
    c.start();
    const peer = await csms.waitPeer(0, 5000);
    /** Frames of the station not yet looked at; its own calls are answered here, the rest returned. */
    const drain = stationFrameReader(peer, answerOf, failures);
    const pump = setInterval(() => drain().forEach((m) => failures.push(`unexpected frame before the fuzz: ${JSON.stringify(m).slice(0, 200)}`)), 5);
    await waitFor(() => c.registration.isAccepted() && c.connection.isOpen(), 5000, 'registration');
    // The boot's status reports and security events leave; the outbox is idle before the first frame.
    await waitFor(async () => (await journal.depth()) === 0 && c.sender.messageInFlight() === null, 5000, 'an idle outbox');
    await sleep(200);
    clearInterval(pump);
    drain();
    const before = await snapshot(c, journal, station, dir);

    const breakers = allSchemaBreakers(c.handledActions());
    const rnd = seeded(options.seed);
    const burst = Math.max(1, options.burst ?? 1);
    const total = options.everyBreaker ? breakers.length : options.frames;
    const frameAt = (n: number): FuzzFrame201 => {
      const b = breakers[n];
      if (!options.everyBreaker || !b) return fuzzFrame201(rnd, n, breakers);
      return { kind: `schemaBreaking:${b.action}: ${b.what}`, data: JSON.stringify([2, `fz-${n}`, b.action, b.params]), expect: { id: `fz-${n}`, code: b.code } };
    };
    for (let n = 0; n < total && !peer.ended; ) {
      const expected = new Expected();
      const first = n;
      let answerless = false;
      for (; n < total && n - first < burst; n++) {
        const frame = frameAt(n);
        byKind[frame.kind.split(':')[0] ?? frame.kind] = (byKind[frame.kind.split(':')[0] ?? frame.kind] ?? 0) + 1;
        frames++;
        if (typeof frame.data === 'string') peer.sendText(frame.data);
        else peer.sendFrame(frame.opcode ?? 2, frame.data);
        if (frame.expect) expected.add(frame.expect.id, { code: frame.expect.code, ...(frame.expect.check ? { check: frame.expect.check } : {}), what: `frame ${n} (${frame.kind})` });
        else answerless = true;
      }
      const label = first === n - 1 ? `frame ${first}` : `frames ${first}–${n - 1}`;
      // An answer-less frame is followed by a probe whose answer shows the station has read past it.
      if (answerless) {
        const probeId = `probe-${n - 1}`;
        peer.sendText(JSON.stringify([2, probeId, 'NoSuchAction', {}]));
        expected.add(probeId, { code: 'NotImplemented', what: `the probe after ${label}` });
      }
      const check = (a: unknown[]): void => {
        const [type, id, code] = a;
        const due = typeof id === 'string' ? expected.take(id) : undefined;
        const text = JSON.stringify(a).slice(0, 300);
        if (!due) failures.push(`${label}: extra answer ${text}`);
        else if (due.code === null) {
          if (type !== 3 || typeof a[2] !== 'object' || a[2] === null) failures.push(`${due.what}: a valid call answered with ${text}`);
          else {
            const wrong = due.check?.(a[2] as Record<string, unknown>);
            if (wrong) failures.push(`${due.what}: ${wrong}`);
          }
        } else if (type !== 4) failures.push(`${due.what}: answered with a non-CALLERROR ${text}`);
        else if (typeof code !== 'string' || !OCPP201_ERROR_CODES.has(code)) failures.push(`${due.what}: CALLERROR code ${String(code)} is not an OCPP 2.0.1 code`);
        else if (code !== due.code) failures.push(`${due.what}: CALLERROR ${code}, expected ${due.code}`);
      };
      try {
        await peer.waitFor(
          () => {
            drain().forEach(check);
            return expected.size === 0 || peer.ended;
          },
          5000 + 50 * burst,
          `the answers to ${label}`,
        );
      } catch (err) {
        failures.push(`${label}: ${(err as Error).message}`);
      }
      if (failures.length > 30) break;
    }
    if (peer.ended) failures.push(`after ${frames} frames the station closed the websocket (close code ${peer.closeCode ?? 'none'})`);
    // Let any late effect show (a reconnect, a follow-up call, a journal write), then compare.
    await sleep(300);
    drain().forEach((m) => failures.push(`frame after the fuzz: ${JSON.stringify(m).slice(0, 200)}`));
    const after = await snapshot(c, journal, station, dir);
    for (const [what, value] of Object.entries(before)) if (after[what] !== value) failures.push(`${what} changed: ${value.slice(0, 300)} → ${(after[what] ?? '').slice(0, 300)}`);
    if (closes.length > 0) failures.push(`the station's link closed: ${closes.join(', ')}`);
    if (csms.peers.length !== 1) failures.push(`the station opened ${csms.peers.length} websockets (reconnected)`);
    if (!c.connection.isOpen()) failures.push('the station reports itself disconnected');
    return { frames, failures, byKind, closes: closes.length, reconnects: Math.max(0, csms.peers.length - 1), breakers: breakers.length };
  } finally {
    await client?.stop();
    await journal.close();
    await csms.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
