import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import { runScenario, type ScenarioResult } from '../../src/commands/sim/run-scenario.js';
import { findScenario, scenarios } from '../../src/commands/sim/scenarios.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import type { DetectorName, Finding } from '../../src/monitor/finding.js';

/** Every detector on (the default), with the station-level checks every minute. */
const config = parseConfig({});

/** Runs a scenario to its end on fake time with the station's monitor watched; returns its findings. */
async function findingsOf(name: string, opts: { interruptAfterMs?: number; meterPath?: 'modbus' | 'direct'; stepMs?: number } = {}): Promise<{ findings: Finding[]; result: ScenarioResult }> {
  const scenario = findScenario(name);
  assert.ok(scenario, name);
  const clock = sinon.useFakeTimers({ now: Date.parse('2026-03-02T08:00:00Z'), shouldAdvanceTime: false });
  try {
    const findings: Finding[] = [];
    let interrupt: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
    const done = runScenario({
      scenario,
      config,
      clock: systemClock,
      logger: silentLogger(),
      recorder: new MemoryRecorder(),
      meterPath: opts.meterPath ?? 'modbus',
      interrupted,
      createStation: async (o) => {
        const sim = await createSimStation(o);
        sim.station.monitor.onFinding((f) => findings.push(f));
        return sim;
      },
    });
    let finished = false;
    void done.finally(() => (finished = true));
    const step = opts.stepMs ?? 500;
    for (let i = 0; i < 40_000 && !finished; i++) {
      await clock.tickAsync(step);
      if (opts.interruptAfterMs !== undefined && i * step >= opts.interruptAfterMs) interrupt();
    }
    assert.ok(finished, `scenario ${name} did not finish`);
    return { findings, result: await done };
  } finally {
    clock.restore();
  }
}

const detectors = (fs: readonly Finding[]): DetectorName[] => [...new Set(fs.map((f) => f.detector))].sort();

/**
 * No false alarm: every normal scenario of the simulator, with every detector on, raises nothing; a fault scenario
 * raises only the detectors its fault explains (and the one it must).
 */
describe('monitor on the simulator scenarios (fake time, every detector on)', function () {
  this.timeout(120_000);

  it('covers every scenario of the simulator', () => {
    assert.deepEqual(
      scenarios.map((s) => s.name).sort(),
      ['basic', 'continuous', 'ev-full', 'house-fuse', 'meter-loss', 'overcurrent-ev', 'rcd-trip', 'solar-day', 'welded-contactor'],
    );
  });

  for (const meterPath of ['modbus', 'direct'] as const) {
    for (const name of ['basic', 'ev-full']) {
      it(`${name} (${meterPath} meter): no finding`, async () => {
        const { findings, result } = await findingsOf(name, { meterPath });
        assert.deepEqual(result.problems, []);
        assert.deepEqual(findings.map((f) => `${f.detector}: ${f.message}`), []);
      });
    }
  }

  it('continuous (five EVs charging one after another to 80 %): no finding', async () => {
    const { findings, result } = await findingsOf('continuous', { interruptAfterMs: 8 * 3_600_000, stepMs: 5000 });
    assert.ok(result.sessions.length >= 3, `sessions: ${result.sessions.length}`);
    assert.deepEqual(findings.map((f) => `${f.detector}: ${f.message}`), []);
  });

  // Load management: the offer follows the building's fuse (house-fuse) or the PV surplus (solar-day), pausing and
  // resuming: a normal day, so no finding — and the scenario's own check (fuse never exceeded, no flapping) holds.
  for (const name of ['house-fuse', 'solar-day']) {
    it(`${name} (a simulated day of load management): no finding, the scenario's checks hold`, async () => {
      const { findings, result } = await findingsOf(name, { stepMs: 5000 });
      assert.deepEqual(result.problems, [], result.notes.join('\n'));
      assert.deepEqual(findings.map((f) => `${f.detector}: ${f.message}`), []);
    });
  }

  const expected: readonly [string, readonly DetectorName[], readonly DetectorName[]][] = [
    // [scenario, must raise, may raise]
    ['rcd-trip', ['session-fault'], ['session-fault']],
    // The EV stops drawing when the pilot leaves PWM: no current passes the welded contacts (the aux contact tells).
    ['welded-contactor', [], ['energy-while-open', 'energy-without-session']],
    ['overcurrent-ev', ['over-offer'], ['over-offer']],
    ['meter-loss', [], []],
  ];
  for (const [name, must, may] of expected) {
    it(`${name}: raises ${must.length > 0 ? must.join(', ') : 'nothing'}${may.length > must.length ? `, at most ${may.join(', ')}` : ''}`, async () => {
      const { findings } = await findingsOf(name);
      const seen = detectors(findings);
      for (const d of must) assert.ok(seen.includes(d), `${d} not raised; seen ${seen.join(', ')}`);
      assert.deepEqual(seen.filter((d) => !may.includes(d)), [], findings.map((f) => `${f.detector}: ${f.message}`).join('\n'));
      for (const f of findings) {
        assert.ok(f.message.length > 20 && f.threshold.length > 0 && Object.keys(f.evidence).length > 0, `${f.detector} has evidence`);
      }
    });
  }
});
