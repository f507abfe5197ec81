import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The station in a child process (`evse sim --state-dir`), killed with SIGKILL at random moments of the session
 * lifecycle and restarted each time. What a run printed as committed (session started / stopped / recovered lines are
 * printed only after the journal acknowledged the commit) must be in the journal afterwards, exactly once.
 * EVSE_CRASH_KILLS sets the number of kills (default 5: each costs a process start, and `npm run test:reliability`
 * kills the station 200 times over each OCPP version with the CSMS's ledger checked too; this run keeps the check in
 * every `npm test` within its time budget).
 */
const kills = Number(process.env['EVSE_CRASH_KILLS'] ?? 5);

interface Printed {
  started: Map<number, number>;
  stopped: Map<number, { reason: string; meterWh: number }>;
  recovered: Map<number, { reason: string; meterWh: number }>;
}

function runStation(stateDir: string, configFile: string, killAfterMs: number | 'sigint', printed: Printed): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'sim', '--scenario', 'continuous', '--speed', '120', '--status-interval', '0',
        '--state-dir', stateDir, '--config', configFile],
      { env: { ...process.env, EVSE_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.stdout.on('data', (d: string) => {
      if (out === '' && timer === undefined) {
        // The banner is out: the station runs. Kill it at a random moment of its life.
        timer = setTimeout(() => child.kill(killAfterMs === 'sigint' ? 'SIGINT' : 'SIGKILL'), killAfterMs === 'sigint' ? 4000 : killAfterMs);
      }
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      for (const line of out.split('\n')) {
        let m = /session (\d+) started for \S+, meter (\d+) Wh/.exec(line);
        if (m) printed.started.set(Number(m[1]), Number(m[2]));
        m = /session (\d+) stopped \((\w+)\), meter (\d+) Wh/.exec(line);
        if (m) {
          assert.ok(!printed.stopped.has(Number(m[1])), `session ${m[1]} printed as stopped twice`);
          printed.stopped.set(Number(m[1]), { reason: m[2]!, meterWh: Number(m[3]) });
        }
        m = /recovered session (\d+): closed with (\w+), meterStop (\d+) Wh/.exec(line);
        if (m) {
          assert.ok(!printed.stopped.has(Number(m[1])), `session ${m[1]} recovered after it was stopped`);
          printed.recovered.set(Number(m[1]), { reason: m[2]!, meterWh: Number(m[3]) });
        }
      }
      if (killAfterMs === 'sigint' && code !== 0) {
        reject(new Error(`clean stop exited ${code ?? signal}: ${stderr.slice(-800)}`));
        return;
      }
      if (killAfterMs !== 'sigint' && signal !== 'SIGKILL' && code !== 0) {
        reject(new Error(`station exited ${code ?? signal} before the kill: ${stderr.slice(-800)}`));
        return;
      }
      resolve();
    });
  });
}

describe('station crash test (SIGKILL at random moments, restart, journal intact)', function () {
  this.timeout(20 * 60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'evse-crash-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`loses and duplicates nothing over ${kills} kills; every session ends exactly once`, async () => {
    const stateDir = join(dir, 'state');
    const configFile = join(dir, 'config.json');
    // A small battery so sessions end by themselves between kills, and every lifecycle moment gets hit.
    writeFileSync(configFile, JSON.stringify({ simulator: { ev: { batteryWh: 4000, maxCurrentA: 16 } } }));
    const printed: Printed = { started: new Map(), stopped: new Map(), recovered: new Map() };
    // A fixed seed keeps failures reproducible; the moments still spread over the whole lifecycle.
    let seed = 0x5eed;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < kills; i++) await runStation(stateDir, configFile, 100 + Math.floor(random() * 3000), printed);
    await runStation(stateDir, configFile, 'sigint', printed);

    const db = new Database(join(stateDir, 'journal.db'), { readonly: true });
    try {
      const sessions = db
        .prepare('SELECT id, meter_start_wh AS start, meter_stop_wh AS stop, stop_reason AS reason, stop_at AS stopAt FROM sessions ORDER BY id')
        .all() as { id: number; start: number; stop: number | null; reason: string | null; stopAt: number | null }[];
      assert.ok(sessions.length >= 3, `only ${sessions.length} sessions over ${kills} runs`);
      assert.ok(printed.recovered.size >= 1, 'no kill landed in a running session');

      // Every session ended exactly once, with a plausible meterStop; registers never go backwards.
      let lastStop = 0;
      for (const s of sessions) {
        assert.ok(s.stop !== null && s.reason !== null && s.stopAt !== null, `session ${s.id} never ended`);
        assert.ok(s.stop >= s.start, `session ${s.id}: meterStop ${s.stop} < meterStart ${s.start}`);
        assert.ok(s.start >= lastStop, `session ${s.id} starts at ${s.start} Wh, before the previous stop ${lastStop} Wh`);
        lastStop = s.stop;
      }

      // What was printed as committed is in the journal, unchanged.
      for (const [id, meterWh] of printed.started) {
        assert.equal(sessions.find((s) => s.id === id)?.start, meterWh, `start of session ${id}`);
      }
      for (const [id, stop] of [...printed.stopped, ...printed.recovered]) {
        const s = sessions.find((x) => x.id === id);
        assert.equal(s?.reason, stop.reason, `stop reason of session ${id}`);
        assert.equal(s?.stop, stop.meterWh, `meterStop of session ${id}`);
      }
      for (const id of printed.recovered.keys()) assert.equal(printed.recovered.get(id)?.reason, 'PowerLoss');

      // The uplink's outbox: one Start and one Stop per session, Start first, sessions in order.
      const rows = db.prepare("SELECT seq, kind, session_id AS sessionId FROM outbox WHERE kind IN ('StartTransaction','StopTransaction') ORDER BY seq").all() as {
        seq: number;
        kind: string;
        sessionId: number;
      }[];
      for (const s of sessions) {
        const mine = rows.filter((r) => r.sessionId === s.id).map((r) => r.kind);
        assert.deepEqual(mine, ['StartTransaction', 'StopTransaction'], `outbox of session ${s.id}`);
      }
      const startOrder = rows.filter((r) => r.kind === 'StartTransaction').map((r) => r.sessionId);
      assert.deepEqual(startOrder, [...startOrder].sort((a, b) => a - b));
    } finally {
      db.close();
    }
  });
});
