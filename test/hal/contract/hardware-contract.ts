/**
 * One contract for the station hardware (ControlPilot, Contactor, StationInputs), run unchanged against every
 * implementation: the simulator's (in process) and the real GPIO drivers over the virtual board (in a private mount
 * namespace). The point: the simulator is never kinder than the board. Real time, bounded polling waits.
 */
import assert from 'node:assert/strict';
import type { Contactor, ContactorFeedbackFault, ContactorPosition } from '../../../hal/contactor.js';
import type { InputsSnapshot, StationInputs } from '../../../hal/inputs.js';
import type { EnergyMeter, MeterSample } from '../../../hal/meter.js';
import type { ControlPilot, PilotReading } from '../../../hal/pilot.js';

/** Timing both sides are configured with (GPIO config `contactor.*`, SimContactor timing). */
export const contractTiming = {
  /** The aux contact must agree this long after a command, else a feedback fault. */
  feedbackMs: 250,
  /** Least time between two closings. */
  minCloseIntervalMs: 1000,
  /** Relay pull-in (board `relay.pullInMs`; the sim's `auxDelayMs` is its own default, see sim.contract.test.ts). */
  pullInMs: 15,
  /** The pilot's negative-level detector settle time (GPIO `pilot.negativeLevelSettleMs`, the sim's constant). */
  negativeLevelSettleMs: 10,
} as const;

/**
 * Node timers count from the event loop's cached time, which can lag `performance.now()` (what the drivers and this
 * suite measure with) by a millisecond or two: a 250 ms timer can be seen to fire 248.8 ms after the command.
 */
const timerSlackMs = 2;

/** What the test does to the surroundings of the hardware: the EV, the relay's faults, the protective devices. */
export interface WorldControls {
  /** An EV with its diode plugged in, S2 open and held open (state B). */
  plugEv(): Promise<void>;
  /** The EV closes S2 (state C). */
  closeS2(): Promise<void>;
  /** The EV opens S2 for `ms` and closes it again (C → B → C), played by the world itself; resolves after. */
  openS2For(ms: number): Promise<void>;
  /** The EV's diode is gone (missing or shorted). */
  removeDiode(): Promise<void>;
  /** The contactor welds (stays closed once closed) or never closes. */
  contactorFault(kind: 'welded' | 'fails-to-close', active: boolean): Promise<void>;
  /** The RCD trips (latched). */
  tripRcd(): Promise<void>;
  /** The emergency stop button is pressed (latched). */
  pressEmergencyStop(): Promise<void>;
}

/** One fresh set of hardware for one test. */
export interface HardwareUnderTest {
  readonly pilot: ControlPilot;
  readonly contactor: Contactor;
  readonly inputs: StationInputs;
  /** The meter, read by the real Modbus driver (over a virtual line on the simulator, a serial pty on the board). */
  readonly meter: EnergyMeter;
  readonly world: WorldControls;
  /** Releases the hardware and resets the world. */
  dispose(): Promise<void>;
}

export type HardwareFactory = () => Promise<HardwareUnderTest>;

/** Polls `predicate` every 1 ms until it holds or `timeoutMs` passed; rejects naming `what`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (predicate()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Lets real time pass (only to watch a log over a window, never as the assertion itself). */
function observe(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface Heard {
  readonly atMs: number;
  readonly reading: PilotReading;
}

/** Records every reading a pilot listener hears, with its time. */
function listen(pilot: ControlPilot): { heard: Heard[]; stop: () => void } {
  const heard: Heard[] = [];
  const stop = pilot.onChange((reading) => heard.push({ atMs: performance.now(), reading }));
  return { heard, stop };
}

const fmt = (heard: readonly Heard[], t0: number): string =>
  heard.map((h) => `${(h.atMs - t0).toFixed(1)}ms ${h.reading.state}/${h.reading.negativeLevel}`).join(', ');

export function describeHardwareContract(name: string, factory: HardwareFactory): void {
  describe(`hardware contract: ${name}`, function () {
    this.timeout(10_000);
    let hw: HardwareUnderTest | null = null;
    const get = (): HardwareUnderTest => {
      assert.ok(hw, 'hardware not created');
      return hw;
    };

    beforeEach(async () => {
      hw = await factory();
    });
    afterEach(async () => {
      const h = hw;
      hw = null;
      await h?.dispose();
    });

    /** Steady output, EV in B (with or without its diode), read as B; then PWM at `duty` starts. */
    async function startPwmInB(duty: number, diode: boolean): Promise<{ t0: number; rightAfter: PilotReading; heard: Heard[] }> {
      const { pilot, world } = get();
      await world.plugEv();
      if (!diode) await world.removeDiode();
      pilot.setOutput({ mode: 'steady' });
      await waitFor(() => pilot.read().state === 'B', 1000, 'state B with steady output');
      const { heard } = listen(pilot);
      const t0 = performance.now();
      pilot.setOutput({ mode: 'pwm', dutyPercent: duty });
      return { t0, rightAfter: pilot.read(), heard };
    }

    describe('ControlPilot', () => {
      it('with no EV and a steady output reads state A and negativeLevel unknown', async () => {
        const { pilot } = get();
        pilot.setOutput({ mode: 'steady' });
        await waitFor(() => pilot.read().state === 'A', 1000, 'state A');
        assert.equal(pilot.read().negativeLevel, 'unknown');
        assert.deepEqual(pilot.output(), { mode: 'steady' });
      });

      it('EV in B with a diode: unknown right after the PWM starts, present within 100 ms after the settle, heard by a listener', async () => {
        const { pilot } = get();
        const { t0, rightAfter, heard } = await startPwmInB(53, true);
        assert.equal(rightAfter.negativeLevel, 'unknown', 'negativeLevel right after setOutput(pwm)');
        const tookMs = await waitFor(() => pilot.read().negativeLevel === 'present', 1000, 'negativeLevel present');
        assert.ok(tookMs <= 100, `present after ${tookMs.toFixed(1)} ms (> 100 ms)`);
        assert.equal(pilot.read().state, 'B');
        const firstPresent = heard.find((h) => h.reading.negativeLevel === 'present');
        assert.ok(firstPresent, `a listener heard present: ${fmt(heard, t0)}`);
        assert.ok(
          firstPresent.atMs - t0 >= contractTiming.negativeLevelSettleMs - timerSlackMs,
          `present ${(firstPresent.atMs - t0).toFixed(1)} ms after the PWM started, before the ${contractTiming.negativeLevelSettleMs} ms settle`,
        );
        const before = heard.slice(0, heard.indexOf(firstPresent));
        assert.ok(
          before.every((h) => h.reading.negativeLevel === 'unknown'),
          `only unknown before present (never absent): ${fmt(heard, t0)}`,
        );
      });

      it('EV in B without a diode: unknown right after the PWM starts, absent after the settle, never present', async () => {
        const { pilot } = get();
        const { t0, rightAfter, heard } = await startPwmInB(53, false);
        assert.equal(rightAfter.negativeLevel, 'unknown', 'negativeLevel right after setOutput(pwm)');
        await waitFor(() => pilot.read().negativeLevel === 'absent', 1000, 'negativeLevel absent');
        const firstAbsent = heard.find((h) => h.reading.negativeLevel === 'absent');
        assert.ok(firstAbsent, `a listener heard absent: ${fmt(heard, t0)}`);
        assert.ok(
          firstAbsent.atMs - t0 >= contractTiming.negativeLevelSettleMs - timerSlackMs,
          `absent ${(firstAbsent.atMs - t0).toFixed(1)} ms after the PWM started, before the settle`,
        );
        // A stale −12 V from before the PWM must never pass for a diode: watch past settle + debounce.
        await observe(80);
        assert.ok(!heard.some((h) => h.reading.negativeLevel === 'present'), `never present: ${fmt(heard, t0)}`);
        assert.equal(pilot.read().negativeLevel, 'absent');
      });

      it('S2 closed reads state C', async () => {
        const { pilot, world } = get();
        await startPwmInB(53, true);
        await waitFor(() => pilot.read().negativeLevel === 'present', 1000, 'present in B');
        const { heard } = listen(pilot);
        await world.closeS2();
        await waitFor(() => pilot.read().state === 'C', 1000, 'state C');
        assert.ok(heard.some((h) => h.reading.state === 'C'), 'a listener heard C');
        assert.equal(pilot.read().negativeLevel, 'present');
      });

      it('a power-reducing change (C → B) is reported though it lasted less than the power-adding debounce', async () => {
        // 15 ms: longer than a reduction's confirmation (one or two samples), shorter than the 20 ms that guards
        // power-adding changes. A driver that debounced every change alike never reports it: the contactor would stay
        // closed behind its filter.
        // Up to 5 tries: on a loaded 2-core machine the board's worker or the driver's sampling timer can be late by
        // more than 15 ms and miss one short window altogether (as a stalled process on a Pi would). A driver that
        // debounces every change for 20 ms never reports a 15 ms window, so it still fails every try.
        const { pilot, world } = get();
        await startPwmInB(53, true);
        await world.closeS2();
        await waitFor(() => pilot.read().state === 'C', 1000, 'state C');
        const tries: string[] = [];
        for (let attempt = 0; attempt < 5; attempt++) {
          const { heard, stop } = listen(pilot);
          await world.openS2For(15);
          await waitFor(() => pilot.read().state === 'C', 1000, 'state C again');
          await observe(50);
          stop();
          tries.push(heard.map((h) => h.reading.state).join(', '));
          if (heard.some((h) => h.reading.state === 'B')) break;
        }
        assert.ok(tries.at(-1)?.includes('B'), `a listener heard B in one of ${tries.length} tries; heard ${tries.map((t) => `[${t}]`).join(' ')}`);
      });

      it("setOutput({mode:'stateF'}) reads state F", async () => {
        const { pilot } = get();
        pilot.setOutput({ mode: 'steady' });
        await waitFor(() => pilot.read().state === 'A', 1000, 'state A');
        pilot.setOutput({ mode: 'stateF' });
        assert.deepEqual(pilot.output(), { mode: 'stateF' });
        await waitFor(() => pilot.read().state === 'F', 1000, 'state F');
        assert.equal(pilot.read().negativeLevel, 'unknown');
      });

      it("leaving state F: read() right after the write is never the F we drove ourselves; the EV's B follows", async () => {
        // The control core feeds read() right after it writes the generator: an F left over from our own −12 V was
        // taken for the EV's and latched a pilot fault after every fault hold (board-sim rcd-trip).
        const { pilot, world } = get();
        await world.plugEv();
        pilot.setOutput({ mode: 'steady' });
        await waitFor(() => pilot.read().state === 'B', 1000, 'state B with steady output');
        pilot.setOutput({ mode: 'stateF' });
        await waitFor(() => pilot.read().state === 'F', 1000, 'state F');
        await observe(50);
        pilot.setOutput({ mode: 'steady' });
        assert.notEqual(pilot.read().state, 'F', 'read() right after setOutput(steady)');
        await waitFor(() => pilot.read().state === 'B', 1000, 'state B again');
      });

      it('a duty change while the PWM runs keeps negativeLevel present', async () => {
        const { pilot } = get();
        const { t0 } = await startPwmInB(53, true);
        await waitFor(() => pilot.read().negativeLevel === 'present', 1000, 'present');
        const { heard } = listen(pilot);
        pilot.setOutput({ mode: 'pwm', dutyPercent: 25 });
        assert.equal(pilot.read().negativeLevel, 'present', 'right after the duty change');
        await observe(80);
        pilot.setOutput({ mode: 'pwm', dutyPercent: 90 });
        assert.equal(pilot.read().negativeLevel, 'present', 'right after the second duty change');
        await observe(80);
        assert.ok(!heard.some((h) => h.reading.negativeLevel !== 'present'), `stayed present: ${fmt(heard, t0)}`);
        assert.deepEqual(pilot.read(), { state: 'B', negativeLevel: 'present' });
      });
    });

    describe('Contactor', () => {
      it('close(): commanded at once, feedback follows only after the pull-in, within 300 ms; open() likewise', async () => {
        const { contactor } = get();
        await waitFor(() => contactor.feedback() === 'open', 1000, 'feedback open at start');
        const seen: ContactorPosition[] = [];
        contactor.onFeedback((p) => seen.push(p));
        contactor.close();
        assert.equal(contactor.commanded(), 'closed');
        assert.equal(contactor.feedback(), 'open', 'feedback right after close(): the relay has not pulled in yet');
        const closeMs = await waitFor(() => contactor.feedback() === 'closed', 1000, 'feedback closed');
        assert.ok(closeMs <= 300, `feedback closed after ${closeMs.toFixed(1)} ms`);
        contactor.open();
        assert.equal(contactor.commanded(), 'open');
        assert.equal(contactor.feedback(), 'closed', 'feedback right after open(): the relay has not dropped out yet');
        const openMs = await waitFor(() => contactor.feedback() === 'open', 1000, 'feedback open');
        assert.ok(openMs <= 300, `feedback open after ${openMs.toFixed(1)} ms`);
        assert.deepEqual(seen, ['closed', 'open']);
      });

      it('a closing inside the minimum interval: closeAllowedInMs() > 0 and close() throws, the relay stays open', async () => {
        const { contactor } = get();
        assert.equal(contactor.closeAllowedInMs(), 0);
        contactor.close();
        await waitFor(() => contactor.feedback() === 'closed', 1000, 'feedback closed');
        contactor.open();
        await waitFor(() => contactor.feedback() === 'open', 1000, 'feedback open');
        const allowedIn = contactor.closeAllowedInMs();
        assert.ok(allowedIn > 0 && allowedIn <= contractTiming.minCloseIntervalMs, `closeAllowedInMs() = ${allowedIn}`);
        assert.throws(() => contactor.close());
        assert.equal(contactor.commanded(), 'open');
        assert.equal(contactor.feedback(), 'open');
      });

      it("welded: onFeedbackFault 'welded' after open()", async () => {
        const { contactor, world } = get();
        const faults: ContactorFeedbackFault[] = [];
        contactor.onFeedbackFault((f) => faults.push(f));
        await world.contactorFault('welded', true);
        contactor.close();
        await waitFor(() => contactor.feedback() === 'closed', 1000, 'feedback closed');
        contactor.open();
        await waitFor(() => faults.length > 0, contractTiming.feedbackMs + 1000, 'a feedback fault');
        const fault = faults[0];
        assert.ok(fault);
        assert.equal(fault.kind, 'welded');
        assert.equal(fault.commanded, 'open');
        assert.equal(fault.feedback, 'closed');
        assert.ok(fault.afterMs >= contractTiming.feedbackMs - timerSlackMs, `afterMs ${fault.afterMs}`);
        assert.equal(contactor.feedback(), 'closed');
      });

      it("fails to close: onFeedbackFault 'fails-to-close' after close()", async () => {
        const { contactor, world } = get();
        const faults: ContactorFeedbackFault[] = [];
        contactor.onFeedbackFault((f) => faults.push(f));
        await world.contactorFault('fails-to-close', true);
        contactor.close();
        await waitFor(() => faults.length > 0, contractTiming.feedbackMs + 1000, 'a feedback fault');
        const fault = faults[0];
        assert.ok(fault);
        assert.equal(fault.kind, 'fails-to-close');
        assert.equal(fault.commanded, 'closed');
        assert.equal(fault.feedback, 'open');
        assert.ok(fault.afterMs >= contractTiming.feedbackMs - timerSlackMs, `afterMs ${fault.afterMs}`);
        assert.equal(contactor.feedback(), 'open');
        contactor.open();
      });
    });

    describe('StationInputs', () => {
      const reaches = async (field: 'rcdTripped' | 'emergencyStop', act: (w: WorldControls) => Promise<void>): Promise<void> => {
        const { inputs, world } = get();
        await waitFor(() => !inputs.read()[field], 1000, `${field} false at start`);
        const heard: InputsSnapshot[] = [];
        inputs.onChange((s) => heard.push(s));
        await act(world);
        await waitFor(() => inputs.read()[field], 1000, `read().${field}`);
        assert.ok(heard.some((s) => s[field]), `onChange heard ${field}`);
      };

      it('an RCD trip reaches read() and onChange', async () => {
        await reaches('rcdTripped', (w) => w.tripRcd());
      });

      it('an emergency stop reaches read() and onChange', async () => {
        await reaches('emergencyStop', (w) => w.pressEmergencyStop());
      });

      it('temperatureSensorFailed is false with a working (or no) sensor', () => {
        assert.equal(get().inputs.read().temperatureSensorFailed, false);
      });
    });

    describe('EnergyMeter', function () {
      this.timeout(15_000);
      const amps = (s: MeterSample): number => Math.max(...s.phases.map((p) => p.currentA));
      /** An EV in C offered 16 A, the contactor as given. */
      async function evAsking(): Promise<void> {
        const { pilot, world } = get();
        await world.plugEv();
        await world.closeS2();
        pilot.setOutput({ mode: 'pwm', dutyPercent: 26.7 });
        await waitFor(() => pilot.read().state === 'C', 1000, 'state C');
      }
      /** Reads until `predicate` holds (the meter answers in real time); rejects naming `what`. */
      async function readUntil(predicate: (s: MeterSample) => boolean, timeoutMs: number, what: string): Promise<MeterSample[]> {
        const { meter } = get();
        const seen: MeterSample[] = [];
        const end = performance.now() + timeoutMs;
        for (;;) {
          const s = await meter.read();
          seen.push(s);
          if (predicate(s)) return seen;
          if (performance.now() > end) throw new Error(`timed out waiting for ${what}; last ${amps(s)} A, ${s.importWh} Wh`);
          await observe(50);
        }
      }

      it('reads no current while the contactor is open, even with an EV asking for power', async () => {
        await evAsking();
        await observe(300);
        const s = await get().meter.read();
        assert.ok(amps(s) < 0.5, `${amps(s)} A through an open contactor`);
        assert.ok(Number.isInteger(s.importWh), `import register ${s.importWh} is whole Wh`);
      });

      it('reads current once the contactor closed and the EV draws; the register grows and never goes back; none after open', async () => {
        await evAsking();
        get().contactor.close();
        const rising = await readUntil((s) => amps(s) > 5, 3000, 'current through the closed contactor');
        const first = rising[rising.length - 1];
        assert.ok(first);
        const grown = await readUntil((s) => s.importWh > first.importWh, 5000, 'the import register to grow');
        const registers = [...rising, ...grown].map((s) => s.importWh);
        assert.deepEqual(registers, [...registers].sort((a, b) => a - b), `register went back: ${registers.join(', ')}`);
        get().contactor.open();
        await readUntil((s) => amps(s) < 0.5, 3000, 'no current after open');
      });
    });
  });
}
