import assert from 'node:assert/strict';
import sinon from 'sinon';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { BootLoop, type HeartbeatIntervalSetting } from '../../src/ocpp/boot-loop.js';
import { createRPCError } from '../../src/ocpp/rpc.js';

type BootStatus = 'Accepted' | 'Pending' | 'Rejected';
type Answer = { status: BootStatus; interval: number } | 'callerror';

/**
 * A CSMS on the far side of a link, under fake timers: every answer takes `delayMs`, a CALLERROR when scripted, and
 * a link that goes down takes the call in flight with it (rejected, as a closed socket does).
 */
class ScriptedLink {
  open = false;
  delayMs = 200;
  bootAnswers: Answer[] = [];
  readonly calls: { method: string; params: Record<string, unknown>; atMs: number }[] = [];
  private readonly openListeners = new Set<() => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private readonly inFlight = new Set<(err: Error) => void>();

  call<T>(method: string, params: Record<string, unknown>): Promise<T> {
    this.calls.push({ method, params, atMs: Date.now() });
    if (!this.open) return Promise.reject(new Error('not connected'));
    const answer = method === 'BootNotification' ? this.bootAnswers.shift() : undefined;
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error): void => reject(err);
      this.inFlight.add(fail);
      setTimeout(() => {
        if (!this.inFlight.delete(fail)) return;
        if (answer === 'callerror') reject(createRPCError('InternalError', 'the CSMS refused'));
        else if (method === 'BootNotification' && answer === undefined) reject(new Error('no boot answer scripted'));
        else resolve({ currentTime: new Date(Date.now() + 3_600_000).toISOString(), ...(answer ?? {}) } as T);
      }, this.delayMs);
    });
  }

  isOpen(): boolean {
    return this.open;
  }

  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  goUp(): void {
    this.open = true;
    for (const l of this.openListeners) l();
  }

  goDown(): void {
    this.open = false;
    for (const fail of this.inFlight) fail(new Error('socket closed'));
    this.inFlight.clear();
    for (const l of this.closeListeners) l('socket closed');
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  /** When each call of `method` went, ms since the start of the test. */
  times(method: string): number[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.atMs);
  }
}

/** A heartbeat setting held in memory, written by the loop and (as a CSMS would) by the test. */
class MemorySetting implements HeartbeatIntervalSetting {
  failStore = false;
  private readonly listeners = new Set<() => void>();
  constructor(public valueS: number) {}
  currentS(): number {
    return this.valueS;
  }
  async storeAccepted(intervalS: number): Promise<number> {
    await Promise.resolve();
    if (this.failStore) throw new Error('journal write failed');
    this.valueS = intervalS;
    return intervalS;
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  writtenByCsms(valueS: number): void {
    this.valueS = valueS;
    for (const l of this.listeners) l();
  }
}

describe('ocpp/boot-loop (shared by 1.6 and 2.0.1)', () => {
  let fake: sinon.SinonFakeTimers;
  let link: ScriptedLink;
  let setting: MemorySetting;
  let loop: BootLoop<string>;
  let csmsTimes: number[];

  beforeEach(() => {
    fake = sinon.useFakeTimers({ now: 0 });
    link = new ScriptedLink();
    setting = new MemorySetting(300);
    csmsTimes = [];
    loop = new BootLoop<string>({
      connection: link,
      clock: systemClock,
      logger: silentLogger(),
      heartbeatInterval: setting,
      bootPayload: (reason) => ({ reason }),
      defaultReason: 'PowerUp',
      onCsmsTime: (ms) => csmsTimes.push(ms),
      fallbackRetryS: 30,
    });
  });
  afterEach(() => {
    loop.stop();
    fake.restore();
  });

  it('Pending → Accepted: nothing but the boot until the interval is over, then Accepted, the interval stored and heartbeats at it', async () => {
    link.bootAnswers = [
      { status: 'Pending', interval: 10 },
      { status: 'Accepted', interval: 5 },
    ];
    let accepted = 0;
    loop.onAccepted(() => accepted++);
    loop.start();
    link.goUp();
    await fake.tickAsync(200);
    assert.equal(loop.status(), 'Pending');
    assert.equal(loop.isAccepted(), false);
    await fake.tickAsync(9_999);
    assert.deepEqual(link.methods(), ['BootNotification'], 'no retry before the interval, no heartbeat while Pending');
    await fake.tickAsync(1 + 200);
    assert.deepEqual(link.times('BootNotification'), [0, 10_200], 'retried the interval after the answer');
    assert.equal(loop.status(), 'Accepted');
    assert.equal(accepted, 1);
    assert.equal(setting.valueS, 5, 'the CSMS interval is stored');
    assert.deepEqual(link.calls.map((c) => c.params), [{ reason: 'PowerUp' }, { reason: 'PowerUp' }], 'a retry goes with the default reason');
    await fake.tickAsync(5_000 * 3 + 200);
    assert.deepEqual(link.times('Heartbeat'), [15_400, 20_400, 25_400]);
    assert.equal(csmsTimes.length, 2 + 3, 'every boot and heartbeat answer gives the CSMS time');
    assert.equal(loop.csmsTimeReceivedAtMs(), 25_600);
  });

  it('Rejected with interval 0 (and a CALLERROR) retry after the fallback; Rejected with an interval after that interval', async () => {
    link.bootAnswers = [{ status: 'Rejected', interval: 0 }, 'callerror', { status: 'Rejected', interval: 7 }, { status: 'Accepted', interval: 0 }];
    loop.start();
    link.goUp();
    await fake.tickAsync(200 + 30_000 + 200 + 30_000 + 200 + 7_000 + 200);
    assert.deepEqual(link.times('BootNotification'), [0, 30_200, 60_400, 67_600]);
    assert.equal(loop.status(), 'Accepted');
    assert.equal(setting.valueS, 300, 'interval 0: the setting is left as it was');
    await fake.tickAsync(300_000);
    assert.deepEqual(link.times('Heartbeat'), [67_800 + 300_000], 'beats at the setting in force');
  });

  it('Rejected sends nothing else: no heartbeat, and a reconnect while a retry is armed waits for it', async () => {
    link.bootAnswers = [{ status: 'Rejected', interval: 60 }, { status: 'Accepted', interval: 20 }];
    loop.start();
    link.goUp();
    await fake.tickAsync(30_000);
    link.goDown();
    link.goUp();
    await fake.tickAsync(29_999);
    assert.deepEqual(link.methods(), ['BootNotification']);
    await fake.tickAsync(401);
    assert.deepEqual(link.methods(), ['BootNotification', 'BootNotification']);
    assert.equal(loop.status(), 'Accepted');
  });

  it('a link lost mid-boot re-sends on the next open link, not after a timer', async () => {
    link.bootAnswers = [{ status: 'Accepted', interval: 0 }, { status: 'Accepted', interval: 0 }];
    loop.start();
    link.goUp();
    await fake.tickAsync(100);
    link.goDown();
    await fake.tickAsync(120_000);
    assert.deepEqual(link.methods(), ['BootNotification'], 'nothing while down');
    link.goUp();
    await fake.tickAsync(200);
    assert.deepEqual(link.methods(), ['BootNotification', 'BootNotification']);
    assert.equal(loop.status(), 'Accepted');
  });

  it('Accepted: a reconnect re-arms the heartbeat and tells the listeners again; a CSMS-written interval re-arms it', async () => {
    link.bootAnswers = [{ status: 'Accepted', interval: 10 }];
    let accepted = 0;
    loop.onAccepted(() => accepted++);
    loop.start();
    link.goUp();
    await fake.tickAsync(200);
    link.goDown();
    await fake.tickAsync(60_000);
    assert.deepEqual(link.times('Heartbeat'), [], 'no heartbeat while the link is down');
    link.goUp();
    assert.equal(accepted, 2);
    await fake.tickAsync(10_000);
    assert.deepEqual(link.times('Heartbeat'), [70_200]);
    setting.writtenByCsms(2);
    await fake.tickAsync(4_000);
    assert.deepEqual(link.times('Heartbeat'), [70_200, 72_200, 74_200]);
    assert.deepEqual(link.methods().filter((m) => m === 'BootNotification'), ['BootNotification'], 'booted once');
  });

  it('a failure to store the interval fails that boot like a CALLERROR (retried after the fallback)', async () => {
    link.bootAnswers = [{ status: 'Accepted', interval: 10 }, { status: 'Accepted', interval: 10 }];
    setting.failStore = true;
    loop.start();
    link.goUp();
    await fake.tickAsync(200);
    assert.deepEqual(link.times('Heartbeat'), []);
    assert.equal(loop.status(), 'NotSent', 'not Accepted until the interval is kept (no Accepted nobody was told of)');
    setting.failStore = false;
    await fake.tickAsync(30_000 + 200);
    assert.deepEqual(link.times('BootNotification'), [0, 30_200]);
    await fake.tickAsync(10_000);
    assert.deepEqual(link.times('Heartbeat'), [40_400]);
  });

  it('stop(): an answer that comes after it arms neither a retry nor a heartbeat', async () => {
    link.bootAnswers = [{ status: 'Pending', interval: 5 }];
    loop.start();
    link.goUp();
    loop.stop();
    await fake.tickAsync(200);
    assert.equal(loop.status(), 'Pending');
    assert.equal(fake.countTimers(), 0, 'no timer left to hold the process');
  });

  it('sendBoot(reason) sends that reason; a heartbeat without an answer resolves false', async () => {
    link.bootAnswers = [{ status: 'Accepted', interval: 0 }];
    link.open = true;
    const status = loop.sendBoot('Triggered');
    await fake.tickAsync(200);
    assert.equal(await status, 'Accepted');
    assert.deepEqual(link.calls[0]?.params, { reason: 'Triggered' });
    const beat = loop.sendHeartbeat();
    link.goDown();
    assert.equal(await beat, false);
  });
});
