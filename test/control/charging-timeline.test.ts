import assert from 'node:assert/strict';
import sinon from 'sinon';
import { buildTimeline } from '../../src/billing/timeline.js';
import type { SessionEventKind } from '../../src/control/session-port.js';
import { bench, type Bench } from './support.js';

const S = 1000;
const flowKinds: ReadonlySet<SessionEventKind> = new Set([
  'energy-flow-started',
  'charging-completed',
  'resumed',
  'suspended-evse',
]);

/** The flow events of the first session, in order. */
function flowEvents(b: Bench): SessionEventKind[] {
  return (b.recorder.sessions[0]?.events ?? []).map((e) => e.kind).filter((k) => flowKinds.has(k));
}

/**
 * Makes the simulated EV draw at most `amps` per phase while it stays in state C (battery balancing, a heater), or
 * its normal current again with null. The EV's own logic (S2, taper, energy) runs unchanged underneath.
 */
function trickle(b: Bench, amps: number | null): void {
  const ev = b.sim.world.ev;
  // A sandbox of its own: restoring the default one would also restore the bench's fake timers.
  evSandbox.restore();
  if (amps === null) return;
  const normal = ev.advance.bind(ev);
  evSandbox.replace(ev, 'advance', (...args: Parameters<typeof ev.advance>) => Math.min(normal(...args), amps));
}
const evSandbox = sinon.createSandbox();

describe('charger controller: charging completed and resumed on the timeline', function () {
  this.timeout(30_000);
  let b: Bench | undefined;
  afterEach(async () => {
    evSandbox.restore();
    await b?.close();
    b = undefined;
  });

  it('records charging-completed after chargingCompleteAfterS of current below the threshold, not before', async () => {
    b = await bench();
    await b.charge();
    await b.clock.tickAsync(10 * S);
    trickle(b, 0.3);
    await b.clock.tickAsync(55 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started'], 'not before 60 s');
    await b.clock.tickAsync(10 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'charging-completed']);
    assert.equal(b.sim.station.controller.snapshot().status, 'Charging', 'the EV is still in state C');
  });

  it('a configured threshold and time change the decision', async () => {
    b = await bench({ control: { chargingCompleteBelowA: 2, chargingCompleteAfterS: 10 } });
    await b.charge();
    await b.clock.tickAsync(5 * S);
    trickle(b, 1.5);
    await b.clock.tickAsync(8 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started'], 'not before 10 s');
    await b.clock.tickAsync(4 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'charging-completed']);
  });

  it('with the default threshold the same 1.5 A is still charging', async () => {
    b = await bench();
    await b.charge();
    trickle(b, 1.5);
    await b.clock.tickAsync(5 * 60 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started']);
  });

  it('records resumed when the EV draws again, and a later completion again', async () => {
    b = await bench({ control: { chargingCompleteAfterS: 30 } });
    await b.charge();
    await b.clock.tickAsync(5 * S);
    trickle(b, 0);
    await b.clock.tickAsync(40 * S);
    trickle(b, null);
    await b.clock.tickAsync(5 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'charging-completed', 'resumed']);
    trickle(b, 0.2);
    await b.clock.tickAsync(40 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'charging-completed', 'resumed', 'charging-completed']);
  });

  it('SuspendedEV (the full EV opens S2) completes at once', async () => {
    b = await bench({ simulator: { ev: { startSocPercent: 79.95, targetSocPercent: 80 } } });
    await b.charge();
    for (let i = 0; i < 60 && b.sim.station.controller.snapshot().status !== 'SuspendedEV'; i++) await b.clock.tickAsync(S);
    assert.equal(b.sim.station.controller.snapshot().status, 'SuspendedEV');
    await b.clock.tickAsync(2 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'charging-completed']);
  });

  it('a SuspendedEVSE period is not a completion, however long', async () => {
    b = await bench({ control: { chargingCompleteAfterS: 30 } });
    await b.charge();
    await b.clock.tickAsync(20 * S);
    b.sim.station.controller.setExternalLimit(5);
    await b.clock.tickAsync(5 * 60 * S);
    b.sim.station.controller.setExternalLimit(null);
    await b.clock.tickAsync(60 * S);
    assert.equal(b.sim.station.controller.snapshot().status, 'Charging');
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'suspended-evse', 'resumed']);
  });

  it('completed, then SuspendedEVSE, then power again: a quiet EV completes anew after the hold, one resumed when it draws', async () => {
    b = await bench({ control: { chargingCompleteAfterS: 30 } });
    await b.charge();
    await b.clock.tickAsync(5 * S);
    trickle(b, 0.1);
    await b.clock.tickAsync(40 * S);
    b.sim.station.controller.setExternalLimit(5);
    await b.clock.tickAsync(60 * S);
    b.sim.station.controller.setExternalLimit(null);
    await b.clock.tickAsync(20 * S);
    assert.equal(b.sim.station.controller.snapshot().status, 'Charging');
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'charging-completed', 'suspended-evse'], 'not yet 30 s');
    await b.clock.tickAsync(15 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'charging-completed', 'suspended-evse', 'charging-completed']);
    trickle(b, null);
    await b.clock.tickAsync(5 * S);
    assert.deepEqual(
      flowEvents(b),
      ['energy-flow-started', 'charging-completed', 'suspended-evse', 'charging-completed', 'resumed'],
      'exactly one resumed',
    );
  });

  it('SuspendedEVSE, then power again and the EV draws: exactly one resumed', async () => {
    b = await bench();
    await b.charge();
    await b.clock.tickAsync(5 * S);
    b.sim.station.controller.setExternalLimit(5);
    await b.clock.tickAsync(10 * S);
    b.sim.station.controller.setExternalLimit(null);
    await b.clock.tickAsync(2 * 60 * S);
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'suspended-evse', 'resumed']);
  });

  it('resets per session: the next session starts with a fresh detector', async () => {
    b = await bench({ control: { chargingCompleteAfterS: 30 } });
    await b.charge();
    await b.clock.tickAsync(5 * S);
    trickle(b, 0);
    await b.clock.tickAsync(40 * S);
    await b.sim.station.tap('CARD');
    await b.clock.tickAsync(3 * S);
    b.sim.world.unplug();
    await b.clock.tickAsync(2 * S);
    trickle(b, null);
    await b.charge();
    await b.clock.tickAsync(5 * S);
    trickle(b, 0);
    await b.clock.tickAsync(20 * S);
    const second = b.recorder.sessions[1]!.events.map((e) => e.kind).filter((k) => flowKinds.has(k));
    assert.deepEqual(second, ['energy-flow-started'], 'the hold starts again in the new session');
    await b.clock.tickAsync(15 * S);
    assert.deepEqual(
      b.recorder.sessions[1]!.events.map((e) => e.kind).filter((k) => flowKinds.has(k)),
      ['energy-flow-started', 'charging-completed'],
    );
  });

  it('end to end: the billing timeline counts idle time only while the EV does not draw', async () => {
    const belowA = 0.5;
    b = await bench({ control: { chargingCompleteBelowA: belowA, chargingCompleteAfterS: 60 } });
    await b.charge();
    await b.clock.tickAsync(10 * 60 * S);
    trickle(b, 0.2); // done: 60 s of hold (still charging), then 9 min idle
    await b.clock.tickAsync(10 * 60 * S);
    trickle(b, null); // balancing: draws again for 5 min
    await b.clock.tickAsync(5 * 60 * S);
    trickle(b, 0); // done again; then parked for 20 min
    await b.clock.tickAsync(20 * 60 * S);
    await b.sim.station.tap('CARD');
    await b.clock.tickAsync(3 * S);
    b.sim.world.unplug();
    await b.clock.tickAsync(S);

    const recorded = b.recorder.sessions[0]!;
    assert.deepEqual(flowEvents(b), ['energy-flow-started', 'charging-completed', 'resumed', 'charging-completed']);
    const timeline = buildTimeline(
      {
        plugInAtMs: recorded.start.plugInAtMs,
        authorizedAtMs: recorded.start.authorizedAtMs,
        startAtMs: recorded.start.startAtMs,
        stopAtMs: recorded.stop?.stopAtMs ?? null,
        unplugAtMs: recorded.unplugAtMs,
      },
      recorded.events,
      Date.now(),
    );
    const inIdle = (atMs: number): boolean => timeline.idle.some((i) => atMs >= i.fromMs && atMs < i.toMs);
    const drawingSamples = recorded.samples.filter((s) => s.phases.some((p) => p.currentA >= belowA));
    assert.ok(drawingSamples.length > 100);
    for (const s of drawingSamples) assert.ok(!inIdle(s.readAtMs), `idle billed at ${s.readAtMs} while drawing`);
    // Idle: 9 min after the first completion, then 19 min + the stop's 3 s after the second.
    const minutes = timeline.idleMs / 60_000;
    assert.ok(minutes > 27.9 && minutes < 28.2, `idle ${minutes} min`);
    assert.ok(timeline.charging.length === 2, 'charging before the first completion and after the resume');
  });
});
