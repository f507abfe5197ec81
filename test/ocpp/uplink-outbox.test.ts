import assert from 'node:assert/strict';
import type { DeadLetter } from '../../src/ocpp/outbox-sender.js';
import { AcceptedBootReport, recordConnectFailures } from '../../src/ocpp/uplink-lifecycle.js';
import { DeadLetterTally, sharedSenderOptions, uplinkStatus } from '../../src/ocpp/uplink-outbox.js';

const dead = (followers: number[]): DeadLetter => ({ followers }) as unknown as DeadLetter;

describe('ocpp/uplink-outbox and uplink-lifecycle (client assembly shared by 1.6 and 2.0.1)', () => {
  it('counts a dead message with its followers and passes it on; the status reports the count', async () => {
    const passed: DeadLetter[] = [];
    const tally = new DeadLetterTally((d) => passed.push(d));
    const options = sharedSenderOptions({}, tally, { isAccepted: () => true });
    options.onDeadLetter?.(dead([]));
    options.onDeadLetter?.(dead([7, 8]));
    assert.equal(tally.total(), 4);
    assert.equal(passed.length, 2);
    const status = await uplinkStatus(
      { isOpen: () => false, lastAnswerAtMs: () => 123, connectedSinceMs: () => null },
      { status: () => 'Pending' },
      { depth: () => Promise.resolve(5) },
      tally,
    );
    assert.deepEqual(status, { connected: false, registration: 'Pending', lastAnswerAtMs: 123, connectedSinceMs: null, outboxDepth: 5, deadLetters: 4 });
  });

  it('nothing leaves before the boot is Accepted; the client’s journal hooks and poll reach the sender, absent ones stay absent', () => {
    let accepted = false;
    const onOutboxStoreError = (): void => undefined;
    const options = sharedSenderOptions({ onOutboxStoreError, outboxPollMs: 0 }, new DeadLetterTally(), { isAccepted: () => accepted });
    assert.equal(options.mayTransmit(), false);
    accepted = true;
    assert.equal(options.mayTransmit(), true);
    assert.equal(options.onStoreError, onOutboxStoreError);
    assert.equal(options.idlePollMs, 0, 'a poll of 0 is kept');
    assert.ok(!('onStoreRecovered' in options) && !('storeRetry' in options));
  });

  it('the first Accepted boot reports every connector once; every Accepted wakes the outbox; unsubscribed: nothing', () => {
    const listeners = new Set<() => void>();
    const registration = {
      onAccepted(l: () => void) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    let reports = 0;
    let kicks = 0;
    const report = new AcceptedBootReport(() => {
      reports++;
      return Promise.resolve();
    }, () => kicks++);
    const off = report.follow(registration);
    assert.equal(report.reported(), false);
    for (let i = 0; i < 3; i++) for (const l of listeners) l();
    assert.deepEqual([reports, kicks, report.reported()], [1, 3, true]);
    off();
    assert.equal(listeners.size, 0);
  });

  it('a refused connection attempt becomes its security event; another failure none', () => {
    let listener: ((err: unknown) => void) | null = null;
    const recorded: [string, string | undefined][] = [];
    recordConnectFailures(
      {
        onConnectFailure: (l) => {
          listener = l;
          return () => undefined;
        },
      },
      {
        record: (type, techInfo) => {
          recorded.push([type, techInfo]);
          return Promise.resolve();
        },
      },
    );
    const fail = listener as ((err: unknown) => void) | null;
    assert.ok(fail);
    fail(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    assert.deepEqual(recorded, [], 'an unreachable CSMS is no security event');
    fail(Object.assign(new Error('Unexpected server response: 401'), { code: 401 }));
    fail(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }));
    assert.deepEqual(recorded, [
      ['FailedToAuthenticateAtCentralSystem', 'Unexpected server response: 401'],
      ['InvalidCentralSystemCertificate', 'self-signed certificate'],
    ]);
  });
});
