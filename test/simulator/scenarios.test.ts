import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import { runScenario, type ScenarioResult } from '../../src/commands/sim/run-scenario.js';
import { scenarios, findScenario } from '../../src/commands/sim/scenarios.js';

/** Runs a scenario to its end on sinon's fake clock, advancing time in big steps. */
async function runOnFakeTime(name: string, meterPath: 'modbus' | 'direct' = 'modbus'): Promise<{ result: ScenarioResult; recorder: MemoryRecorder }> {
  const scenario = findScenario(name);
  assert.ok(scenario, `scenario ${name}`);
  const clock = sinon.useFakeTimers({ now: Date.parse('2026-03-02T08:00:00Z'), shouldAdvanceTime: false });
  try {
    const recorder = new MemoryRecorder();
    const lines: string[] = [];
    const done = runScenario({
      scenario,
      config: parseConfig({}),
      clock: systemClock,
      logger: silentLogger(),
      recorder,
      meterPath,
      out: (l) => lines.push(l),
    });
    let finished = false;
    void done.finally(() => {
      finished = true;
    });
    for (let i = 0; i < 20_000 && !finished; i++) await clock.tickAsync(500);
    assert.ok(finished, `scenario ${name} did not finish; last lines:\n${lines.slice(-10).join('\n')}`);
    return { result: await done, recorder };
  } finally {
    clock.restore();
  }
}

describe('simulator scenarios (fake time, Modbus meter path)', function () {
  this.timeout(60_000);

  it('lists the required scenarios', () => {
    for (const name of ['basic', 'ev-full', 'rcd-trip', 'welded-contactor', 'overcurrent-ev', 'meter-loss']) {
      assert.ok(scenarios.some((s) => s.name === name), name);
    }
  });

  it('basic: one session, stopped Local, energy from the meter register', async () => {
    const { result, recorder } = await runOnFakeTime('basic');
    assert.deepEqual(result.problems, []);
    assert.equal(result.sessions.length, 1);
    const s = result.sessions[0]!;
    assert.equal(s.stopReason, 'Local');
    // 16 A × 3 × 230 V for 15 min ≈ 2.76 kWh
    assert.ok(s.energyWh! > 2600 && s.energyWh! < 2900, `energy ${s.energyWh}`);
    assert.equal(recorder.sessions[0]!.stop!.meterStopWh - recorder.sessions[0]!.start.meterStartWh, s.energyWh);
    assert.equal(result.finalStatus, 'Available');
  });

  for (const [name, fault, reason] of [
    ['ev-full', null, 'EVDisconnected'],
    ['rcd-trip', 'rcd-trip', 'EmergencyStop'],
    ['welded-contactor', 'contactor-welded', 'Local'],
    ['overcurrent-ev', 'soft-overcurrent', 'Local'],
    ['meter-loss', 'meter-lost', 'Local'],
  ] as const) {
    it(`${name}: ${fault ?? 'no fault'}, session stopped ${reason}`, async () => {
      const { result } = await runOnFakeTime(name);
      assert.deepEqual(result.problems, []);
      assert.equal(result.sessions.length, 1);
      assert.equal(result.sessions[0]!.stopReason, reason);
      if (fault) assert.ok(result.faultsSeen.includes(fault), `faults seen: ${result.faultsSeen.join(', ')}`);
      else assert.deepEqual(result.faultsSeen, []);
    });
  }
});
