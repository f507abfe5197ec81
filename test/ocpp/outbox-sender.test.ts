import assert from 'node:assert/strict';
import sinon from 'sinon';
import { OutboxSender, type DeadLetter, type OutboxLink } from '../../src/ocpp/outbox-sender.js';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { EvseError, EvseErrorCode } from '../../src/errors.js';
import { createRPCError } from '../../src/ocpp/rpc.js';
import { MemoryOutboxStore } from './support/memory-outbox.js';

type Reply = Record<string, unknown> | Error;

/** A link whose answers the test scripts per method; records what went on the wire. */
class ScriptedLink implements OutboxLink {
  open = true;
  readonly sent: { method: string; params: Record<string, unknown>; atMs: number }[] = [];
  readonly script = new Map<string, Reply[]>();
  inFlight = 0;
  maxInFlight = 0;
  private nextTx = 100;

  isOpen(): boolean {
    return this.open;
  }

  async call<T>(method: string, params: Record<string, unknown>): Promise<T> {
    if (!this.open) throw new EvseError(EvseErrorCode.OcppNotConnected, 'not connected');
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.sent.push({ method, params, atMs: Date.now() });
    await Promise.resolve();
    this.inFlight -= 1;
    const scripted = this.script.get(method)?.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted as T;
    if (method === 'StartTransaction') return { transactionId: this.nextTx++, idTagInfo: { status: 'Accepted' } } as T;
    return {} as T;
  }
}

describe('outbox sender (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  let store: MemoryOutboxStore;
  let link: ScriptedLink;
  let sender: OutboxSender;
  let dead: DeadLetter[];
  let attempts: number;
  let retryIntervalS: number;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    store = new MemoryOutboxStore();
    link = new ScriptedLink();
    dead = [];
    attempts = 3;
    retryIntervalS = 60;
    sender = new OutboxSender({
      store,
      link,
      policy: { attempts: () => attempts, retryIntervalS: () => retryIntervalS },
      clock: systemClock,
      logger: silentLogger(),
      mayTransmit: () => true,
      onDeadLetter: (d) => dead.push(d),
      idlePollMs: 1000,
    });
  });
  afterEach(async () => {
    const stopping = sender.stop();
    await clock.tickAsync(2000);
    await stopping;
    clock.restore();
  });

  it('sends in order with one call in flight and fills transactionId at send time', async () => {
    store.append('StartTransaction', 1, { connectorId: 1, idTag: 'A', meterStart: 10, timestamp: 't0' });
    store.append('MeterValues', 1, { connectorId: 1, meterValue: [] });
    store.append('StopTransaction', 1, { meterStop: 50, timestamp: 't1' });
    sender.start();
    await clock.tickAsync(10);
    assert.deepEqual(link.sent.map((s) => s.method), ['StartTransaction', 'MeterValues', 'StopTransaction']);
    assert.equal(link.sent[0]?.params['transactionId'], undefined);
    assert.equal(link.sent[1]?.params['transactionId'], 100);
    assert.equal(link.sent[2]?.params['transactionId'], 100);
    assert.equal(link.maxInFlight, 1);
    assert.equal(await store.depth(), 0);
  });

  it('a session DataTransfer (costmsg ConnectorUnplugged) carries the transactionId inside its data text', async () => {
    store.append('StartTransaction', 1, { connectorId: 1, idTag: 'A', meterStart: 10, timestamp: 't0' });
    store.append('StopTransaction', 1, { meterStop: 50, timestamp: 't1' });
    store.append('DataTransfer', 1, { vendorId: 'org.openchargealliance.costmsg', messageId: 'ConnectorUnplugged', timestamp: '2026-01-01T00:10:00.000Z' });
    sender.start();
    await clock.tickAsync(10);
    assert.deepEqual(link.sent.map((s) => s.method), ['StartTransaction', 'StopTransaction', 'DataTransfer']);
    assert.deepEqual(link.sent[2]?.params, {
      vendorId: 'org.openchargealliance.costmsg',
      messageId: 'ConnectorUnplugged',
      data: JSON.stringify({ timestamp: '2026-01-01T00:10:00.000Z', transactionId: 100 }),
    });
  });

  it('retries a CALLERROR after RetryInterval × attempts, then dead-letters it with an alert; the optional lane never waited', async () => {
    store.append('StartTransaction', 1, { connectorId: 1, idTag: 'A', meterStart: 0, timestamp: 't0' });
    store.append('StatusNotification', null, { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    store.append('StartTransaction', 2, { connectorId: 1, idTag: 'B', meterStart: 0, timestamp: 't1' });
    const refuse = () => createRPCError('InternalError', 'db down');
    link.script.set('StartTransaction', [refuse(), refuse(), refuse()]);
    sender.start();
    await clock.tickAsync(10);
    const starts = () => link.sent.filter((s) => s.method === 'StartTransaction').length;
    assert.equal(starts(), 1);
    assert.deepEqual(link.sent.filter((s) => s.method === 'StatusNotification').length, 1, 'the status left at once, beside the refused Start');
    await clock.tickAsync(59_000);
    assert.equal(starts(), 1, 'not before 60 s');
    await clock.tickAsync(1_100);
    assert.equal(starts(), 2, 'second attempt after 60 s × 1');
    await clock.tickAsync(119_000);
    assert.equal(starts(), 2, 'third attempt not before 60 s × 2');
    await clock.tickAsync(1_100);
    assert.equal(starts(), 4, 'third attempt, dead, then the next session’s Start');
    assert.equal(dead.length, 1);
    assert.match(dead[0]?.error ?? '', /InternalError/);
    assert.deepEqual(store.deadLetters().map((d) => d.kind), ['StartTransaction']);
    assert.equal(link.sent.filter((s) => s.method === 'StartTransaction')[3]?.params['idTag'], 'B');
  });

  it('does not count network failures as attempts and never drops a message while offline', async () => {
    attempts = 1;
    store.append('StartTransaction', 1, { connectorId: 1, idTag: 'A', meterStart: 0, timestamp: 't0' });
    link.open = false;
    sender.start();
    await clock.tickAsync(3_600_000);
    assert.equal(link.sent.length, 0);
    assert.equal(await store.depth(), 1);
    link.open = true;
    sender.kick();
    await clock.tickAsync(10);
    assert.equal(link.sent.length, 1);
    assert.equal(await store.depth(), 0);
    assert.equal(dead.length, 0);
  });

  it('never sends a Stop without the real transactionId: no Start answer means a dead letter, not a placeholder', async () => {
    attempts = 2;
    retryIntervalS = 1;
    store.append('StopTransaction', 7, { meterStop: 50, timestamp: 't1' });
    sender.start();
    await clock.tickAsync(5_000);
    assert.equal(link.sent.length, 0);
    assert.equal(dead.length, 1);
    assert.match(dead[0]?.error ?? '', /no CSMS transactionId for session 7/);
  });

  it('a journal that rejects head() is retried with bounded exponential back-off, reported once, and delivery goes on', async () => {
    const failing = new (class extends MemoryOutboxStore {
      rejections = 4;
      override head(lane?: Parameters<MemoryOutboxStore['head']>[0]) {
        if (this.rejections > 0) {
          this.rejections -= 1;
          return Promise.reject(new EvseError(EvseErrorCode.JournalUnavailable, 'journal unavailable (SQLITE_IOERR)'));
        }
        return super.head(lane);
      }
    })();
    const failures: string[] = [];
    const recoveries: number[] = [];
    const resilient = new OutboxSender({
      store: failing,
      link,
      policy: { attempts: () => 3, retryIntervalS: () => 1 },
      clock: systemClock,
      logger: silentLogger(),
      mayTransmit: () => true,
      storeRetry: { initialMs: 1000, maxMs: 4000 },
      onStoreError: (f) => failures.push(`${f.lane}:${f.retryInMs}`),
      onStoreRecovered: (r) => recoveries.push(r.failures),
      idlePollMs: 1000,
    });
    failing.append('StartTransaction', 1, { connectorId: 1, idTag: 'A', meterStart: 0, timestamp: 't0' });
    resilient.start();
    await clock.tickAsync(10);
    // Each lane's head() is rejected twice: at t = 0, and after 1 s of back-off; the next try comes 2 s later.
    assert.deepEqual(failures.sort(), ['optional:1000', 'transaction:1000'], 'one report per lane and outage');
    assert.equal(failing.rejections, 2);
    resilient.kick(); // a kick does not cut a back-off short
    await clock.tickAsync(100);
    assert.equal(failing.rejections, 2);
    await clock.tickAsync(1000);
    assert.equal(failing.rejections, 0);
    await clock.tickAsync(1000);
    assert.equal(link.sent.length, 0, 'the second back-off is 2 s');
    await clock.tickAsync(1000);
    assert.deepEqual(link.sent.map((s) => s.method), ['StartTransaction'], 'delivery went on');
    assert.deepEqual(recoveries, [2, 2], 'each lane reports its recovery');
    assert.equal(failures.length, 2);
    const stopping = resilient.stop();
    await clock.tickAsync(2000);
    await stopping;
  });

  it('waits while the station is not registered (BootNotification pending)', async () => {
    let registered = false;
    const gated = new OutboxSender({
      store,
      link,
      policy: { attempts: () => 3, retryIntervalS: () => 1 },
      clock: systemClock,
      logger: silentLogger(),
      mayTransmit: () => registered,
    });
    store.append('StatusNotification', null, { connectorId: 0, errorCode: 'NoError', status: 'Available' });
    gated.start();
    await clock.tickAsync(5_000);
    assert.equal(link.sent.length, 0);
    registered = true;
    gated.kick();
    await clock.tickAsync(10);
    assert.equal(link.sent.length, 1);
    const stopping = gated.stop();
    await clock.tickAsync(2000);
    await stopping;
  });
});
