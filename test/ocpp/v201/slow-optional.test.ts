import assert from 'node:assert/strict';
import { sleep, waitFor } from './rig.js';
import { BenchRig } from './support/bench-rig.js';

/**
 * A CSMS that leaves an optional message unanswered while it goes on talking (its own calls reach the station): the
 * link is alive, so no timeout drops it, and before this rule the message was resent every MessageTimeout for ever,
 * holding the optional messages behind it and the link's one call in flight. Now it is an attempt: retried after the
 * interval and set aside after MessageAttempts, and the outbox drains.
 */
describe('OCPP 2.0.1: a CSMS that never answers StatusNotification but keeps talking', function () {
  this.timeout(30_000);
  it('the unanswered optional message is an attempt: set aside after MessageAttempts; the Ended waits only for the calls ahead of it', async () => {
    const never = (): Promise<unknown> => new Promise(() => undefined);
    const rig = await BenchRig.create({
      // MessageTimeout 1 s, two attempts without a wait: each StatusNotification is set aside after two unanswered seconds.
      config: {
        initialKeys: {
          'OCPPCommCtrlr/MessageTimeout[Default]': '1',
          'OCPPCommCtrlr/MessageAttempts[TransactionEvent]': '2',
          'OCPPCommCtrlr/MessageAttemptInterval[TransactionEvent]': '0',
        },
      },
      csms: { responders: { StatusNotification: never } },
    });
    let talking = true;
    // The CSMS asks the station something every 300 ms: frames from it keep arriving while the call waits.
    const chatter = (async () => {
      while (talking) {
        await rig.call('GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout' } }] }).catch(() => undefined);
        await sleep(300);
      }
    })();
    try {
      await rig.waitRegistered();
      rig.station.meter(0);
      rig.station.plugIn();
      rig.station.authorizeStart('CARD0001', 'local');
      await rig.station.committed();
      await sleep(100);
      rig.station.tapStop('CARD0001');
      await rig.station.committed();
      const committedAt = Date.now();
      rig.station.unplug();
      await waitFor(() => rig.events().some((e) => e.eventType === 'Ended'), 15_000, 'Ended');
      const ended = rig.csms.messages.find((m) => m.type === 'CALL' && m.method === 'TransactionEvent' && (m.payload as { eventType: string }).eventType === 'Ended');
      // MessageTimeout is 1 s: the Ended waits for the calls already ahead of it on the link (one at a time: the
      // StatusNotification on the wire, and one more queued while the Ended was rendered), never for the attempts of
      // every queued StatusNotification to run out (about 6 s here). 3.5 s leaves room for a loaded machine.
      assert.ok((ended?.atMs ?? Infinity) - committedAt < 3500, `Ended ${(ended?.atMs ?? Infinity) - committedAt} ms after its commit`);
      await waitFor(async () => (await rig.journal.depth()) === 0, 20_000, `the outbox drains (StatusNotification sent ${rig.csms.callsOf('StatusNotification').length} times)`);
      const tries = rig.csms.messages.filter((m) => m.type === 'CALL' && !m.outbound && m.method === 'StatusNotification').length;
      const sent = rig.csms.messages.filter((m) => m.type === 'CALL' && !m.outbound && m.method === 'StatusNotification');
      assert.equal(tries, 2 * new Set(sent.map((m) => JSON.stringify(m.payload))).size, `each StatusNotification tried twice: ${tries}`);
      await sleep(1500);
      assert.equal(rig.csms.messages.filter((m) => m.type === 'CALL' && !m.outbound && m.method === 'StatusNotification').length, tries, 'nothing resent once set aside');
      assert.ok(rig.client.connection.isOpen(), 'the link stayed');
    } finally {
      talking = false;
      await chatter;
      await rig.close();
    }
  });
});
