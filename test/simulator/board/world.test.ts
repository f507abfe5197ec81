import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualBoard, type BoardFault } from '../../../simulator/board/index.js';
import { BoardScenarioWorld, type BoardWorldTarget } from '../../../simulator/board/world.js';
import type { EvProfile } from '../../../simulator/ev.js';
import { simFaults, type SimFault } from '../../../simulator/world.js';
import { boardGpioConfig } from './support.js';

const profile: EvProfile = { maxCurrentA: 16, phases: 3, batteryWh: 60_000, startSocPercent: 40, targetSocPercent: 80, reactionMs: 100 };

/** A board that records what the world asks of it. */
function recordingBoard(): { target: BoardWorldTarget; calls: string[] } {
  const calls: string[] = [];
  const sim = { socPercent: 12, full: false, ignoresPwm: false };
  let voltages: [number, number, number] = [230, 230, 230];
  const target: BoardWorldTarget = {
    ev: {
      sim,
      plug: () => calls.push('plug'),
      unplug: () => calls.push('unplug'),
      replaceEv: (p) => calls.push(`replaceEv ${p.batteryWh}`),
    },
    inject: (fault: BoardFault, active: boolean) => calls.push(`inject ${fault} ${active}`),
    setTemperature: (c: number) => calls.push(`temperature ${c}`),
    meterModel: {
      get voltagesV() {
        return voltages;
      },
      set voltagesV(v) {
        voltages = v;
        calls.push(`voltages ${v.join(',')}`);
      },
    },
  };
  return { target, calls };
}

describe('BoardScenarioWorld', () => {
  it('maps every playable fault onto the board, on and off', () => {
    const { target, calls } = recordingBoard();
    const silence: boolean[] = [];
    const world = new BoardScenarioWorld(target, (s) => silence.push(s));
    const expected: Partial<Record<SimFault, [string, string]>> = {
      'rcd-trip': ['inject rcd-trip true', 'inject rcd-trip false'],
      'emergency-stop': ['inject emergency-stop true', 'inject emergency-stop false'],
      'welded-contactor': ['inject welded true', 'inject welded false'],
      'contactor-fails-to-close': ['inject fails-to-close true', 'inject fails-to-close false'],
      'cp-short': ['inject cp-short true', 'inject cp-short false'],
      'missing-diode': ['inject missing-diode true', 'inject missing-diode false'],
      'high-temperature': ['temperature 67', 'temperature 25'],
      'over-temperature': ['temperature 75', 'temperature 25'],
      'temperature-sensor': ['inject sensor-gone true', 'inject sensor-gone false'],
      'lock-jammed': ['inject lock-jammed true', 'inject lock-jammed false'],
      'over-voltage': ['voltages 262,262,262', 'voltages 230,230,230'],
      'under-voltage': ['voltages 180,180,180', 'voltages 230,230,230'],
    };
    for (const [fault, [on, off]] of Object.entries(expected) as Array<[SimFault, [string, string]]>) {
      calls.length = 0;
      world.inject(fault);
      world.inject(fault, false);
      assert.deepEqual(calls, [on, off], fault);
    }
    world.inject('meter-silent');
    world.inject('meter-silent', false);
    assert.deepEqual(silence, [true, false]);
    world.inject('ev-ignores-pwm');
    assert.equal(target.ev.sim.ignoresPwm, true);
    world.inject('ev-ignores-pwm', false);
    assert.equal(target.ev.sim.ignoresPwm, false);
  });

  it('throws naming a fault the board cannot play, and leaves the board alone', () => {
    const { target, calls } = recordingBoard();
    const world = new BoardScenarioWorld(target, () => undefined);
    for (const fault of ['pilot-driver', 'relay-driver'] as const) {
      assert.throws(() => world.inject(fault), new RegExp(`"${fault}".*driver write failure`));
    }
    assert.deepEqual(calls, []);
  });

  it('has a mapping or a refusal for every simulator fault', () => {
    const { target } = recordingBoard();
    const world = new BoardScenarioWorld(target, () => undefined);
    const refused = simFaults.filter((f) => {
      try {
        world.inject(f);
        return false;
      } catch {
        return true;
      }
    });
    assert.deepEqual(refused, ['pilot-driver', 'relay-driver']);
  });

  describe('on a real VirtualBoard', () => {
    let board: VirtualBoard;
    beforeEach(() => {
      board = VirtualBoard.create({ gpio: boardGpioConfig(), options: { ev: profile } });
    });
    afterEach(() => board.remove());

    it('plugs, replaces and unplugs the board EV; ev reads the board EV', () => {
      const world = new BoardScenarioWorld(board, () => undefined);
      world.replaceEv({ ...profile, startSocPercent: 55 });
      assert.ok(Math.abs(world.ev.socPercent - 55) < 1e-9);
      assert.equal(board.ev.sim.plugged, false);
      world.plug();
      assert.equal(board.ev.sim.plugged, true);
      board.tick(0);
      // The EV's 2.74 kΩ now loads the generator: state B's 8.79 V high level.
      assert.ok(Math.abs(board.cpVoltage().highV - 8.79) < 0.01, `high level ${board.cpVoltage().highV}`);
      world.unplug();
      assert.equal(board.ev.sim.plugged, false);
      assert.equal(board.cpVoltage().highV, 12);
    });

    it('plays RCD trip, missing diode, voltages and temperatures on the circuit', () => {
      const world = new BoardScenarioWorld(board, () => undefined);
      board.tick(0);
      world.inject('rcd-trip');
      assert.equal(board.rcdTripped(), true);
      world.inject('rcd-trip', false);
      board.tick(1);
      assert.equal(board.rcdTripped(), false);

      world.inject('missing-diode');
      assert.equal(board.ev.sim.hasDiode, false);
      world.inject('missing-diode', false);
      assert.equal(board.ev.sim.hasDiode, true);

      world.inject('under-voltage');
      assert.deepEqual(board.meterSample().phases.map((p) => p.voltageV), [180, 180, 180]);
      world.inject('under-voltage', false);
      assert.equal(board.meterSample().phases[0]?.voltageV, 230);

      const dir = board.temperatureSensorDir;
      assert.equal(typeof dir, 'string');
      world.inject('over-temperature');
      assert.equal(readFileSync(join(dir ?? '', 'temperature'), 'utf8').trim(), '75000');
      world.inject('temperature-sensor');
      assert.equal(existsSync(dir ?? ''), false);
      world.inject('temperature-sensor', false);
      world.inject('over-temperature', false);
      assert.equal(readFileSync(join(dir ?? '', 'temperature'), 'utf8').trim(), '25000');
    });
  });
});
