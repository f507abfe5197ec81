import assert from 'node:assert/strict';
import { monitorSchema } from '../../src/monitor/config.js';
import type { SessionSummary } from '../../src/monitor/finding.js';
import { SessionEnergy, SessionFault, ShortSessions, SuspendCycles, ZeroEnergy } from '../../src/monitor/session-detectors.js';
import { CsmsDown, DiskFull, FaultRepeat, NoSuccess } from '../../src/monitor/station-detectors.js';

const cfg = monitorSchema.parse({});
const H = 3_600_000;

/** A normal session: 1 h, 11 kWh, stopped by the driver. */
function session(over: Partial<SessionSummary> = {}): SessionSummary {
  return { sessionId: 7, connectorId: 1, startMono: 0, stopMono: H, energyWh: 11_000, reason: 'Local', resumes: 1, endedByFault: null, ...over };
}

describe('monitor session-level detectors', () => {
  it('all are silent on a normal session', () => {
    for (const d of [new ZeroEnergy(cfg.zeroEnergy), new ShortSessions(cfg.shortSessions), new SuspendCycles(cfg.suspendCycles), new SessionEnergy(cfg.sessionEnergy), new SessionFault()]) {
      assert.equal(d.evaluate(session()), null, d.name);
    }
  });

  it('zero energy: a session that never charged', () => {
    const f = new ZeroEnergy(cfg.zeroEnergy).evaluate(session({ energyWh: 0, reason: 'EVDisconnected' }));
    assert.equal(f?.detector, 'zero-energy');
    assert.deepEqual(f?.evidence['sessionIds'], [7]);
  });

  it('very short sessions repeated on one connector: the third within an hour, with their ids', () => {
    const d = new ShortSessions(cfg.shortSessions);
    const short = (id: number, atMin: number): SessionSummary =>
      session({ sessionId: id, startMono: atMin * 60_000, stopMono: atMin * 60_000 + 30_000, energyWh: 20 });
    assert.equal(d.evaluate(short(1, 0)), null);
    assert.equal(d.evaluate(short(2, 10)), null);
    assert.equal(d.evaluate(session({ sessionId: 3, startMono: 12 * 60_000, stopMono: 19 * 60_000 })), null, 'a long one between');
    const f = d.evaluate(short(4, 20));
    assert.deepEqual(f?.evidence['sessionIds'], [1, 2, 4]);
    // Two hours later the old ones have left the window.
    assert.equal(d.evaluate(short(5, 200)), null);
  });

  it('more than 20 suspend/resume cycles', () => {
    const d = new SuspendCycles(cfg.suspendCycles);
    assert.equal(d.evaluate(session({ resumes: 20 })), null);
    assert.equal(d.evaluate(session({ resumes: 21 }))?.evidence['resumes'], 21);
  });

  it('energy beyond a plausible battery (150 kWh)', () => {
    assert.equal(new SessionEnergy(cfg.sessionEnergy).evaluate(session({ energyWh: 150_001 }))?.detector, 'session-energy');
  });

  it('a session that a fault ended names the fault', () => {
    const f = new SessionFault().evaluate(session({ endedByFault: 'rcd-trip', reason: 'EmergencyStop' }));
    assert.equal(f?.evidence['fault'], 'rcd-trip');
    assert.match(f?.message ?? '', /rcd-trip/);
  });
});

describe('monitor station-level detectors', () => {
  it('a fault repeating: the fourth RCD trip within 24 h, not three, not spread over days', () => {
    const d = new FaultRepeat(cfg.faultRepeat);
    for (const h of [0, 5, 10]) assert.equal(d.raised('rcd-trip', h * H, 0), null);
    assert.equal(d.raised('over-temperature', 11 * H, 0), null, 'other faults count apart');
    const f = d.raised('rcd-trip', 20 * H, 0);
    assert.equal(f?.dedupKey, 'fault-repeat:rcd-trip');
    assert.equal(f?.evidence['count'], 4);
    const spread = new FaultRepeat(cfg.faultRepeat);
    for (const day of [0, 1, 2, 3, 4, 5]) assert.equal(spread.raised('rcd-trip', day * 25 * H, 0), null);
  });

  it('no successful session for 3 days while EVs plug in', () => {
    const d = new NoSuccess(cfg.noSuccess, 0);
    d.plugIn();
    d.sessionEnded(1, 0, H);
    d.plugIn();
    d.plugIn();
    d.sessionEnded(2, 50, 2 * H);
    assert.equal(d.check(71 * H), null, 'not yet three days');
    const f = d.check(73 * H);
    assert.equal(f?.evidence['plugIns'], 3);
    assert.deepEqual(f?.evidence['sessionIds'], [1, 2]);
    d.sessionEnded(3, 5000, 74 * H);
    assert.equal(d.check(80 * H), null, 'a success resets it');
  });

  it('no plug-ins (nobody came) is not a failure', () => {
    assert.equal(new NoSuccess(cfg.noSuccess, 0).check(30 * 24 * H), null);
  });

  it('the CSMS link down longer than 30 min; unknown (no CSMS) is not down', () => {
    const d = new CsmsDown(cfg.csmsDown);
    assert.equal(d.check(10 * H, 0), null, 'nobody reported on the link');
    d.link(true, 0);
    d.link(false, 60_000);
    d.link(false, 10 * 60_000);
    assert.equal(d.check(30 * 60_000, 0), null);
    assert.equal(d.check(32 * 60_000, 0)?.evidence['downMin'], 31);
    d.link(true, 33 * 60_000);
    assert.equal(d.check(2 * H, 0), null);
  });

  it('the journal disk nearly full: under 100 MB or under 5 %', () => {
    const d = new DiskFull(cfg.diskFull);
    const MB = 1_048_576;
    assert.equal(d.check({ freeBytes: 2000 * MB, totalBytes: 16_000 * MB, path: '/var/lib/evse' }), null);
    assert.equal(d.check({ freeBytes: 50 * MB, totalBytes: 16_000 * MB, path: '/var/lib/evse' })?.detector, 'disk-full');
    assert.equal(d.check({ freeBytes: 700 * MB, totalBytes: 16_000 * MB, path: '/var/lib/evse' })?.severity, 'critical', '4.4 %');
  });
});
