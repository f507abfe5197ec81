import assert from 'node:assert/strict';
import type { Clock, TimerHandle } from '../../../hal/base/clock.js';
import type { MeterSample } from '../../../hal/meter.js';
import { monitorSchema } from '../../../src/monitor/config.js';
import { FrozenMeter } from '../../../src/monitor/frozen-meter.js';
import { MAX_EXTRAPOLATION_MS, SharedMeterWindow, type MeterMotion } from '../../../simulator/board/shared-meter.js';
import { ElectricalModel } from '../../../simulator/electrical.js';

const SPEED = 60;
/** 16 A on three phases at 230 V. */
const POWER_W = 11_040;

/** The station's clock at ×60 of the test's real time. */
function manualClock(): Clock & { realMs: number } {
  const never = {} as unknown as TimerHandle;
  const c: Clock & { realMs: number } = {
    realMs: 0,
    nowMs: () => 1_780_000_000_000 + Math.floor(c.realMs * SPEED),
    monotonicMs: () => c.realMs * SPEED,
    setTimeout: () => never,
    clearTimeout: () => undefined,
    setInterval: () => never,
    clearInterval: () => undefined,
  };
  return c;
}

/**
 * The board's thread as `board-worker.ts` runs it: tick (integrate the interval just ended at the power of the
 * previous pass, as `VirtualBoard.tick` does), then write the reading and its motion, at real time `realMs`.
 */
class StallingBoardThread {
  readonly model = new ElectricalModel(1_234_567);
  private lastTickMs = 0;

  constructor(
    readonly window: SharedMeterWindow,
    private readonly publishMotion: boolean,
  ) {
    this.model.setCurrents(16, 3);
    this.write();
  }

  tick(realMs: number): void {
    this.model.integrate((realMs - this.lastTickMs) * SPEED);
    this.lastTickMs = realMs;
    this.write();
  }

  private write(): void {
    const motion: MeterMotion = { energyWh: this.model.exactEnergyWh(), powerW: this.model.totalPowerW(), speed: SPEED, atMs: this.lastTickMs };
    this.window.write(this.model.sample(0), this.publishMotion ? motion : null);
  }
}

describe('virtual board: the shared meter register keeps counting while the board thread is stalled', () => {
  const sample: MeterSample = {
    phases: [
      { voltageV: 230, currentA: 16, powerW: 3680 },
      { voltageV: 230, currentA: 16, powerW: 3680 },
      { voltageV: 230, currentA: 16, powerW: 3680 },
    ],
    totalPowerW: POWER_W,
    importWh: 1000,
    frequencyHz: 50,
    readAtMs: 0,
  };
  const motion: MeterMotion = { energyWh: 1000.5, powerW: POWER_W, speed: SPEED, atMs: 5000 };

  it('carries the register on at the published power up to the moment of reading', () => {
    const w = new SharedMeterWindow();
    w.write(sample, motion);
    assert.equal(w.read(5000).importWh, 1000);
    // 175 ms of a descheduled board thread at ×60: 10.5 s at 11.04 kW = 32.2 Wh.
    assert.equal(w.read(5175).importWh, 1032);
    assert.equal(w.read(5175).totalPowerW, POWER_W);
  });

  it('never serves a register below one it served; a lower written register (a reset) is served as written', () => {
    const w = new SharedMeterWindow();
    w.write(sample, motion);
    assert.equal(w.read(5175).importWh, 1032);
    // The board catches up a hair below the reader's count, then its power drops (contacts opened during the stall).
    w.write({ ...sample, importWh: 1031 }, { ...motion, energyWh: 1031.9, powerW: 0, atMs: 5176 });
    assert.equal(w.read(5180).importWh, 1032);
    w.write({ ...sample, importWh: 7 }, { ...motion, energyWh: 7.2, powerW: 0, atMs: 5200 });
    assert.equal(w.read(5201).importWh, 7);
  });

  it('stands still without motion (a frozen meter), and counts at most MAX_EXTRAPOLATION_MS on its own', () => {
    const w = new SharedMeterWindow();
    w.write(sample, null);
    assert.equal(w.read(1_000_000).importWh, 1000);
    const v = new SharedMeterWindow();
    v.write(sample, motion);
    const cap = Math.floor(1000.5 + (POWER_W * MAX_EXTRAPOLATION_MS * SPEED) / 3_600_000);
    assert.equal(v.read(motion.atMs + 10 * MAX_EXTRAPOLATION_MS).importWh, cap);
  });

  /**
   * The defect of `evse sim --board basic ×60` under load: the board's thread was descheduled for up to 175 ms (seen
   * with a tick-gap probe), the register stood still for 10 s of station time at 11 kW, and the frozen-meter detector
   * warned "import register stuck". Without the published motion (the old window) this scenario raises the warning;
   * with it, the register the station reads moves as a real meter's would.
   */
  for (const publishMotion of [false, true]) {
    it(`a 175 ms stall at ×60 with 11 kW flowing: ${publishMotion ? 'no' : 'a'} frozen-meter finding ${publishMotion ? '' : '(the old window, no motion)'}`, () => {
      const clock = manualClock();
      const raised: string[] = [];
      const monitor = new FrozenMeter(monitorSchema.parse({}).frozenMeter);
      const board = new StallingBoardThread(new SharedMeterWindow(), publishMotion);
      const reader = new SharedMeterWindow(board.window.buffer);
      const pollRealMs = 1000 / SPEED; // the meter poll, 1 s of station time
      let nextPoll = 0;
      for (let t = 0; t <= 2000; t += 1) {
        const stalled = t > 500 && t < 675;
        if (!stalled) board.tick(t);
        if (t >= nextPoll) {
          clock.realMs = t;
          const found = monitor.evaluate({
            sample: { ...reader.read(t), readAtMs: clock.nowMs() },
            monoMs: clock.monotonicMs(),
            contactor: { closed: true, sinceMono: 0 },
            session: { id: 1, sinceMono: 0 },
            offer: { amps: 16, sinceMono: 0 },
            phases: 3,
            connectorId: 1,
          });
          if (found) raised.push(`${found.detector}: ${found.message}`);
          nextPoll += pollRealMs;
        }
      }
      if (publishMotion) assert.deepEqual(raised, []);
      else assert.ok(raised.some((r) => r.startsWith('frozen-meter')), `raised: ${raised.join('; ')}`);
    });
  }
});
