import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JournalStore } from '../../src/journal/store.js';
import { recoverOpenSessions } from '../../src/journal/recovery.js';
import { openTestStore, tempStateDir } from './support/helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const driverSource = join(here, 'fixtures', 'crash-driver.ts');

/**
 * How the driver runs. By default the driver and the journal worker are bundled once with the esbuild that tsx
 * itself uses (same sources, no tsx start-up in each of the many child processes: about 1 s less per kill on a
 * busy 2-core machine). EVSE_CRASH_RUNNER=tsx runs the .ts fixture through `node --import tsx` instead.
 */
async function driverCommand(): Promise<string[]> {
  if (process.env['EVSE_CRASH_RUNNER'] === 'tsx') return ['--import', 'tsx', driverSource];
  const requireFromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  // A typed boundary: esbuild's build() as far as we use it.
  const esbuild = (await import(requireFromTsx.resolve('esbuild'))) as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  // Inside node_modules so the bundles resolve better-sqlite3 & co. from the project's own node_modules.
  const outdir = join(repoRoot, 'node_modules', '.cache', 'evse-journal-crash-test');
  await esbuild.build({
    entryPoints: { 'crash-driver': driverSource, worker: join(repoRoot, 'src', 'journal', 'worker.ts') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    packages: 'external',
    logLevel: 'error',
  });
  return [join(outdir, 'crash-driver.mjs')];
}

/** mulberry32, seeded so a failing run can be replayed with EVSE_CRASH_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  readonly lines: string[];
  readonly killed: boolean;
}

/** Runs the driver once; SIGKILLs it at `killAt(readyAfterMs)` ms after spawn, unless it exits first. */
function runDriver(command: string[], stateDir: string, seed: number, killDelay: (msToReady: number | null) => number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...command, stateDir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    const lines: string[] = [];
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number): void => {
      timer = setTimeout(() => {
        killed = child.kill('SIGKILL');
      }, ms);
    };
    // Some kills land during boot and recovery (before "ready"); the rest in the session loop.
    const early = killDelay(null);
    if (early >= 0) arm(early);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line === 'ready' && timer === undefined) arm(killDelay(performance.now() - started));
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (buffered !== '') lines.push(buffered);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`crash driver failed (code ${code}): ${stderr}`));
      else resolve({ lines, killed });
    });
  });
}

describe('journal crash safety (SIGKILL at random moments)', function () {
  const kills = Number(process.env['EVSE_CRASH_KILLS'] ?? '20');
  const seed = Number(process.env['EVSE_CRASH_SEED'] ?? String(Date.now() % 1_000_000));
  this.timeout(60_000 + kills * 10_000);

  it(`loses and duplicates no acknowledged fact over ${kills} kills, and every session ends exactly once (seed from EVSE_CRASH_SEED)`, async function () {
    const state = tempStateDir('evse-crash-');
    const random = prng(seed);
    const runs: Run[] = [];
    let store: JournalStore | undefined;
    try {
      const command = await driverCommand();
      let killCount = 0;
      let lastReadyMs = 1000;
      for (let round = 0; killCount < kills && round < kills * 3; round++) {
        const run = await runDriver(command, state.dir, Math.floor(random() * 1e9), (msToReady) => {
          if (msToReady === null) return random() < 0.2 ? Math.floor(random() * lastReadyMs) : -1;
          lastReadyMs = msToReady;
          return Math.floor(random() * 300);
        });
        runs.push(run);
        if (run.killed) killCount++;
      }
      assert.equal(killCount, kills, 'the driver kept exiting on its own');

      // The next boot: recover what the last kill left open, then compare the journal with every acknowledgement.
      store = openTestStore(state.dir);
      const finalRecovery = recoverOpenSessions(store, null, Date.now());
      checkJournal(store, runs, finalRecovery.closed.map((c) => c.sessionId));
    } catch (err) {
      (err as Error).message += ` [EVSE_CRASH_SEED=${seed}, state kept in ${state.dir}]`;
      throw err;
    } finally {
      store?.close();
    }
    state.cleanup();
  });
});

interface SessionDb {
  id: number;
  meter_start_wh: number;
  meter_stop_wh: number | null;
  stop_reason: string | null;
  stop_at: number | null;
  csms_transaction_id: number | null;
  recovered: number;
}

function checkJournal(store: JournalStore, runs: readonly Run[], closedAtFinalBoot: readonly number[]): void {
  const all = (sql: string, ...params: unknown[]): Record<string, unknown>[] =>
    store.sql(sql).all(...params) as Record<string, unknown>[];
  const sessions = new Map((all('SELECT * FROM sessions') as unknown as SessionDb[]).map((s) => [s.id, s]));
  const sampleCount = (id: number, wh: number): number =>
    (store.sql('SELECT COUNT(*) AS n FROM samples WHERE session_id = ? AND import_wh = ?').get(id, wh) as { n: number }).n;
  let facts = 0;
  const lastSampleWh = new Map<number, number>();
  const stoppedByAck = new Set<number>();

  runs.forEach((run, index) => {
    const previous = runs[index - 1];
    for (const line of run.lines) {
      const [what, a, b, c, d] = line.split(' ');
      const n1 = Number(a);
      const n2 = Number(b);
      facts++;
      switch (what) {
        case 'start':
          assert.equal(sessions.get(n1)?.meter_start_wh, n2, line);
          break;
        case 'sample':
          assert.equal(sampleCount(n1, n2), 1, `acknowledged ${line}: expected exactly one row`);
          lastSampleWh.set(n1, n2);
          break;
        case 'mv': {
          const row = store.sql('SELECT kind, session_id FROM outbox WHERE seq = ?').get(n1) as { kind: string; session_id: number } | undefined;
          assert.deepEqual(row, { kind: 'MeterValues', session_id: n2 }, line);
          break;
        }
        case 'stop':
          assert.deepEqual([sessions.get(n1)?.stop_reason, sessions.get(n1)?.meter_stop_wh], ['Local', n2], line);
          stoppedByAck.add(n1);
          break;
        case 'delivered': {
          const row = store.sql('SELECT state, kind FROM outbox WHERE seq = ?').get(n1) as { state: string; kind: string } | undefined;
          assert.deepEqual(row, { state: 'delivered', kind: b }, line);
          if (b === 'StartTransaction') assert.equal(sessions.get(Number(c))?.csms_transaction_id, 100_000 + Number(c), line);
          break;
        }
        case 'recovered': {
          const session = sessions.get(n1);
          assert.ok(session, line);
          assert.equal(stoppedByAck.has(n1), false, `${line}: a session stopped before was closed again`);
          assert.deepEqual([session.stop_reason, session.meter_stop_wh, session.recovered], [b, Number(c), 1], line);
          assert.ok(Number(c) >= (lastSampleWh.get(n1) ?? session.meter_start_wh), `${line}: meterStop below an acknowledged sample`);
          if (previous?.lines.at(-1) === 'shutdown SoftReset') assert.equal(b, 'SoftReset', `${line} after a journaled SoftReset`);
          else assert.ok(b === 'PowerLoss' || b === 'SoftReset', line);
          assert.ok(d === 'meter' || d === 'journal', line);
          stoppedByAck.add(n1);
          break;
        }
        case 'ready':
        case 'shutdown':
          facts--;
          break;
        default:
          assert.fail(`unexpected driver line ${JSON.stringify(line)}`);
      }
    }
  });
  for (const id of closedAtFinalBoot) assert.equal(stoppedByAck.has(id), false, `session ${id} closed twice`);

  // Every session ended exactly once, with Start, MeterValues…, Stop in that order in the outbox.
  for (const session of sessions.values()) {
    assert.notEqual(session.stop_at, null, `session ${session.id} never ended`);
    assert.ok((session.meter_stop_wh ?? -1) >= session.meter_start_wh, `session ${session.id} meterStop < meterStart`);
    const kinds = all('SELECT kind FROM outbox WHERE session_id = ? ORDER BY seq', session.id).map((r) => r['kind'] as string);
    assert.equal(kinds[0], 'StartTransaction', `session ${session.id}: ${kinds.join(',')}`);
    assert.equal(kinds.at(-1), 'StopTransaction', `session ${session.id}: ${kinds.join(',')}`);
    assert.deepEqual(
      kinds.slice(1, -1).filter((k) => k !== 'MeterValues'),
      [],
      `session ${session.id}: exactly one Start and one Stop (${kinds.join(',')})`,
    );
  }
  // Strict FIFO: every delivered message is older than every message still waiting.
  const order = store.sql(`SELECT MAX(seq) AS lastDelivered FROM outbox WHERE state = 'delivered'`).get() as { lastDelivered: number | null };
  const waiting = store.sql(`SELECT MIN(seq) AS firstWaiting FROM outbox WHERE state = 'pending'`).get() as { firstWaiting: number | null };
  if (order.lastDelivered !== null && waiting.firstWaiting !== null) assert.ok(order.lastDelivered < waiting.firstWaiting, 'outbox delivered out of order');
  // The register only grows, sample after sample, across every restart: no sample duplicated or reordered.
  const registers = all('SELECT import_wh FROM samples ORDER BY id').map((r) => r['import_wh'] as number);
  registers.forEach((wh, i) => i > 0 && assert.ok(wh > (registers[i - 1] as number), `sample ${i} did not advance the register`));
  assert.ok(facts > runs.length, 'the driver acknowledged facts between kills');
}
