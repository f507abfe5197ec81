import assert from 'node:assert/strict';
import fc from 'fast-check';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { currentForDuty } from '../../hal/pilot-duty.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryRecorder } from '../../src/session/memory-recorder.js';
import { createSimStation } from '../../src/commands/sim/sim-station.js';
import { simFaults, type SimFault } from '../../simulator/world.js';

type Command =
  | { kind: 'plug' }
  | { kind: 'unplug' }
  | { kind: 'tap' }
  | { kind: 'stop' }
  | { kind: 'fault'; fault: SimFault; on: boolean }
  | { kind: 'limit'; amps: number | null }
  | { kind: 'reset' }
  | { kind: 'listener-throws'; on: boolean }
  | { kind: 'recorder-throws'; on: boolean }
  | { kind: 'wait'; ms: number };

/** A recorder that, when told to, throws synchronously from every call (a bug in a session sink). */
class ThrowingRecorder extends MemoryRecorder {
  throwing = false;
  private guard(): void {
    if (this.throwing) throw new Error('recorder bug');
  }
  override startSession(...args: Parameters<MemoryRecorder['startSession']>): ReturnType<MemoryRecorder['startSession']> {
    this.guard();
    return super.startSession(...args);
  }
  override recordSample(...args: Parameters<MemoryRecorder['recordSample']>): ReturnType<MemoryRecorder['recordSample']> {
    this.guard();
    return super.recordSample(...args);
  }
  override recordEvent(...args: Parameters<MemoryRecorder['recordEvent']>): ReturnType<MemoryRecorder['recordEvent']> {
    this.guard();
    return super.recordEvent(...args);
  }
  override stopSession(...args: Parameters<MemoryRecorder['stopSession']>): ReturnType<MemoryRecorder['stopSession']> {
    this.guard();
    return super.stopSession(...args);
  }
}

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Command>({ kind: 'plug' }) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'unplug' }) },
  { weight: 3, arbitrary: fc.constant<Command>({ kind: 'tap' }) },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'stop' }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('fault' as const), fault: fc.constantFrom(...simFaults), on: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('limit' as const), amps: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }) }),
  },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'reset' }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('listener-throws' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('recorder-throws' as const), on: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 8000 }) }) },
);

describe('safety interlock (property, whole controller on simulated hardware)', function () {
  this.timeout(120_000);

  it('never has the contactor closed unless pilot C/D, diode ok, authorized, no stop fault, offer ≥ 6 A (or the bounded grace after the PWM was removed), whatever listeners and recorders throw', async () => {
    const config = parseConfig({ control: { faultRetryDelayS: 1 } });
    const forceOpenMs = config.control.pwmRemovedForceOpenS * 1000;
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 5, maxLength: 60 }), async (commands) => {
        const clock = sinon.useFakeTimers({ now: Date.parse('2026-05-01T10:00:00Z') });
        const recorder = new ThrowingRecorder();
        const sim = await createSimStation({
          config,
          clock: systemClock,
          logger: silentLogger(),
          recorder,
          meterPath: 'direct',
        });
        const { world, station } = sim;
        const controller = station.controller;
        let listenerThrows = false;
        // Registered first, so it runs before every other listener of the station.
        controller.onEvent(() => {
          if (listenerThrows) throw new Error('listener bug');
        });
        let pwmOffSinceMs: number | null = 0;
        world.pilot.onOutput = (o) => {
          if (o.mode === 'pwm') pwmOffSinceMs = null;
          else pwmOffSinceMs ??= Date.now();
        };
        const violations: string[] = [];
        const check = (where: string): void => {
          if (world.contactor.commanded() !== 'closed') return;
          if (world.contactor.failWrites && controller.snapshot().contactor === 'open') {
            // The relay output cannot be written: nothing in software can open it. What must hold then: the EV is told
            // to stop (no PWM) and the driver failure is latched for the operator.
            const noPwm = world.pilot.output().mode !== 'pwm';
            const latched = controller.faults.isActive('driver-failure');
            if (!noPwm || !latched) violations.push(`${where}: relay stuck closed without ${noPwm ? '' : 'PWM off '}${latched ? '' : 'driver-failure'}`);
            return;
          }
          const reading = world.pilot.read();
          const s = controller.snapshot();
          const out = world.pilot.output();
          const offered = out.mode === 'pwm' ? currentForDuty(out.dutyPercent) : 0;
          // After the PWM was removed (a stop, or a limit below 6 A) the EV gets a bounded grace to stop drawing.
          const inGrace = pwmOffSinceMs !== null && Date.now() - pwmOffSinceMs <= forceOpenMs;
          const problems = [
            reading.state === 'C' || reading.state === 'D' ? null : `pilot ${reading.state}`,
            reading.negativeLevel === 'absent' ? 'diode check failed' : null,
            where === 'at close' && reading.negativeLevel !== 'present' ? `closed on an unsettled diode reading (${reading.negativeLevel})` : null,
            s.authorization !== null && (s.session === 'active' || s.session === 'stopping') ? null : `not authorized (${s.session})`,
            controller.faults.summary().stopLatched ? 'stop fault latched' : null,
            offered >= 6 || inGrace ? null : `offer ${offered} A outside the stop grace`,
          ].filter((p): p is string => p !== null);
          if (problems.length > 0) violations.push(`${where}: ${problems.join(', ')}`);
        };
        world.contactor.onCommand = (p) => {
          if (p === 'closed') check('at close');
        };
        try {
          for (const [i, c] of commands.entries()) {
            switch (c.kind) {
              case 'plug':
                if (!world.ev.plugged) world.plug();
                break;
              case 'unplug':
                world.unplug();
                break;
              case 'tap':
                await station.tap('CARD');
                break;
              case 'stop':
                controller.stop('Remote');
                break;
              case 'fault':
                world.inject(c.fault, c.on);
                break;
              case 'limit':
                controller.setExternalLimit(c.amps);
                break;
              case 'reset':
                controller.resetFaults();
                break;
              case 'listener-throws':
                listenerThrows = c.on;
                break;
              case 'recorder-throws':
                recorder.throwing = c.on;
                break;
              case 'wait':
                await clock.tickAsync(c.ms);
                break;
            }
            check(`after #${i} ${JSON.stringify(c)}`);
          }
          assert.deepEqual(violations, []);
        } finally {
          await sim.close();
          clock.restore();
        }
      }),
      { numRuns: 150 },
    );
  });
});
