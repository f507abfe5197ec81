import assert from 'node:assert/strict';
import { sleep, waitUntil } from './support/harness.js';
import { ACTING_CALL_BREAKERS, backlogFrames, notUtf8Call, OCPP16_ERROR_CODES } from './fuzz-frames.js';
import { startHostileRig, type HostileRig } from './fuzz-rig.js';

/** Named cases of the OCPP fuzz (issue 17, deliverable 6): what once closed the link, and what must not act. */
describe('OCPP fuzz, named cases: no CSMS input closes the link', function () {
  this.timeout(90_000);
  let rig: HostileRig | null = null;

  afterEach(async () => {
    await rig?.stop();
    rig = null;
  });

  it('late pongs from a CSMS that keeps sending frames: the link stays; once it falls silent, late pongs still mean a dead link', async () => {
    const r = (rig = await startHostileRig({ callTimeoutS: 30, pingIntervalS: 1 }));
    // Every pong 2.5 s late: longer than the 1 s ping interval (what a backlog of frames ahead of the pong does).
    r.peer.pongDelayMs = 2500;
    for (let i = 0; i < 40; i++) {
      r.peer.sendText(`[2,"late-${i}","NoSuchAction",{}]`);
      await sleep(100);
    }
    assert.equal(r.peer.ended, false, `the station dropped a talking CSMS after ${r.answers.length} answers (pings ${r.peer.pings})`);
    assert.equal(r.answers.length, 40);
    assert.deepEqual(r.closes, []);
    assert.equal(r.csms.peers.length, 1);
    // Silent now, and its pongs still late: the next ping goes unanswered within the interval, the socket is replaced.
    const silentAt = Date.now();
    await waitUntil(() => r.closes.length > 0, 6000, 'the silent, slow CSMS dropped');
    assert.ok(Date.now() - silentAt < 4000, `dropped ${Date.now() - silentAt} ms after the CSMS fell silent`);
    await waitUntil(() => r.csms.peers.length === 2, 5000, 'a new socket');
  });

  it('pong behind a backlog: 250 calls with 200 kB ids sent at once, pings every second — all answered, the socket stays', async () => {
    const r = (rig = await startHostileRig({ callTimeoutS: 30, pingIntervalS: 1 }));
    const frames = backlogFrames(250, 200_000);
    for (const f of frames) r.peer.sendText(f.data as string);
    await r.peer.waitFor(() => r.answers.length >= frames.length || r.peer.ended, 60_000, 'the answers to the backlog');
    assert.equal(r.peer.ended, false, `the station dropped the socket after ${r.answers.length} answers (${r.closes.join(', ')})`);
    assert.deepEqual(r.closes, []);
    assert.equal(r.csms.peers.length, 1, 'no reconnect');
    for (const [i, f] of frames.entries()) {
      const answer = r.answers[i];
      assert.ok(answer && answer[0] === 4 && answer[1] === f.expect?.id && answer[2] === 'NotImplemented', `answer ${i}`);
    }
    // A second later (the next ping and pong done) the link is still the same socket.
    await sleep(1500);
    assert.equal(r.client.connection.isOpen(), true);
    assert.equal(r.csms.peers.length, 1);
  });

  it('a station call left unanswered while the CSMS keeps sending frames fails, the link stays; a silent CSMS is still a dead link', async () => {
    const r = (rig = await startHostileRig({ callTimeoutS: 1, pingIntervalS: 0 }));
    r.answerStationCalls = false;
    const heartbeat = r.client.registration.sendHeartbeat();
    // Malformed frames (each answered with a CALLERROR) all through the call's timeout and beyond.
    for (let i = 0; i < 16; i++) {
      r.peer.sendText(`{not json ${i}`);
      await sleep(100);
    }
    assert.equal(await heartbeat, false, 'the Heartbeat failed (no answer)');
    assert.equal(r.closes.length, 0, `the link stayed (closed: ${r.closes.join(', ')})`);
    assert.equal(r.csms.peers.length, 1);
    assert.equal(r.client.connection.isOpen(), true);
    assert.ok(r.answers.filter((a) => a[0] === 4 && a[2] === 'FormationViolation').length >= 16);
    // The same unanswered call from a CSMS that sends nothing: that link is dead and is replaced.
    const again = r.client.registration.sendHeartbeat();
    assert.equal(await again, false);
    await waitUntil(() => r.csms.peers.length === 2, 5000, 'a new socket after the silent timeout');
    assert.ok(r.closes.some((reason) => reason.includes('Heartbeat got no answer')), r.closes.join(', '));
  });

  it('schema-breaking forms of calls that act (Reset, AuthorizationKey, ping interval, TriggerMessage …) get a CALLERROR and do nothing', async () => {
    const r = (rig = await startHostileRig({ callTimeoutS: 5, pingIntervalS: 0 }));
    const configuration = JSON.stringify(r.client.keys.getConfiguration());
    const callsBefore = r.stationCalls.length;
    for (const [i, b] of ACTING_CALL_BREAKERS.entries()) r.peer.sendText(JSON.stringify([2, `brk-${i}`, b.action, b.params]));
    await waitUntil(() => r.answers.length >= ACTING_CALL_BREAKERS.length, 5000, 'every answer');
    await sleep(300); // longer than the follow-ups of a Reset or a TriggerMessage (20 ms after the answer)
    for (const [i, b] of ACTING_CALL_BREAKERS.entries()) {
      const answer = r.answers.find((a) => a[1] === `brk-${i}`);
      assert.ok(answer, `${b.action} ${JSON.stringify(b.params)} answered`);
      assert.equal(answer[0], 4, `${b.action} ${JSON.stringify(b.params)}: a CALLERROR, got ${JSON.stringify(answer)}`);
      assert.ok(OCPP16_ERROR_CODES.has(answer[2] as string), `${String(answer[2])} is a 1.6 code`);
    }
    assert.deepEqual(r.station.requests, [], 'the charge point was not asked to act');
    assert.equal(JSON.stringify(r.client.keys.getConfiguration()), configuration, 'configuration unchanged');
    assert.deepEqual(r.stationCalls.slice(callsBefore), [], 'no triggered message');
    assert.deepEqual(r.closes, []);
    assert.equal(r.csms.peers.length, 1);
    // The valid forms do act (which is why the fuzz never sends them): a Hard Reset and a triggered Heartbeat.
    r.peer.sendText(JSON.stringify([2, 'ok-reset', 'Reset', { type: 'Hard' }]));
    r.peer.sendText(JSON.stringify([2, 'ok-trigger', 'TriggerMessage', { requestedMessage: 'Heartbeat' }]));
    await waitUntil(() => r.station.requests.some((q) => q.what === 'reset') && r.stationCalls.slice(callsBefore).some((c) => c[2] === 'Heartbeat'), 5000, 'the valid calls acting');
  });

  it('text frames that are not UTF-8 get FormationViolation: the socket stays (ws closed it with 1007) and a call with one bad byte does not act', async () => {
    const r = (rig = await startHostileRig({ callTimeoutS: 5, pingIntervalS: 0 }));
    const configuration = JSON.stringify(r.client.keys.getConfiguration());
    r.peer.sendFrame(1, Buffer.from([0xff, 0xfe, 0xfd]));
    r.peer.sendFrame(1, Buffer.from([0x5b, 0x32, 0x2c, 0xed, 0xa0, 0x80, 0x5d])); // [2,<UTF-16 surrogate as UTF-8>]
    for (const action of ['RemoteStartTransaction', 'Reset', 'ChangeConfiguration'] as const) r.peer.sendFrame(1, notUtf8Call(`bad-${action}`, action));
    // A binary frame is read the same way: not UTF-8, not a message.
    r.peer.sendFrame(2, notUtf8Call('bad-binary', 'RemoteStartTransaction'));
    await waitUntil(() => r.answers.length >= 6 || r.peer.ended, 5000, 'six answers');
    await sleep(300);
    assert.equal(r.peer.ended, false, `the station closed the socket (code ${r.peer.closeCode ?? 'none'})`);
    assert.deepEqual(r.answers, Array.from({ length: 6 }, () => [4, '-1', 'FormationViolation', 'Message must be a JSON structure', {}]));
    assert.deepEqual(r.station.requests, [], 'no remote start, no reset');
    assert.equal(JSON.stringify(r.client.keys.getConfiguration()), configuration);
    assert.equal(r.closes.length, 0);
    assert.equal(r.csms.peers.length, 1);
    // The same call in valid UTF-8 does act: the check is on the bytes, not on the action.
    r.peer.sendText('[2,"good","RemoteStartTransaction",{"idTag":"T1"}]');
    await waitUntil(() => r.station.requests.some((q) => q.what === 'authorizeStart'), 5000, 'the valid remote start');
  });
});
