import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { MeterSample } from '../../hal/meter.js';
import { TariffHolder } from '../../src/billing/tariff-holder.js';
import type { Clock, TimerHandle } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { AuthorizationCache } from '../../src/ocpp/authorization-cache.js';
import { AUTH_CACHE_NAMESPACE } from '../../src/ocpp/authorizer.js';
import { ConfigurationKeys } from '../../src/ocpp/config-keys.js';
import { BillingRecorder, CONNECTED_KEPT, SESSIONS_KEPT } from '../../src/session/billing-recorder.js';
import type { SessionRecorder } from '../../src/session/recorder.js';
import { MemoryKeyValueStore } from '../ocpp/support/memory-kv.js';

/** A recorder underneath that keeps nothing (so only the billing recorder's own memory is measured). */
function nullRecorder(): SessionRecorder {
  let next = 1;
  return {
    startSession: () => Promise.resolve(next++),
    recordSample: () => Promise.resolve(),
    recordEvent: () => Promise.resolve(),
    stopSession: () => Promise.resolve(),
    recordUnplug: () => Promise.resolve(),
  };
}

/** Wall time moved by hand: thousands of sessions in no real time. */
function handClock(startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs;
  const never = (): never => {
    throw new Error('no timers in this test');
  };
  // Timers are armed (a stopped bill's close timer) but time is moved by hand and they never fire here.
  let handles = 0;
  return {
    nowMs: () => now,
    monotonicMs: () => now - startMs,
    setTimeout: () => ({ id: ++handles }) as unknown as TimerHandle,
    clearTimeout: () => undefined,
    setInterval: never,
    clearInterval: () => undefined,
    advance(ms) {
      now += ms;
    },
  };
}

function sample(importWh: number, atMs: number): MeterSample {
  const phase = { voltageV: 230, currentA: 16, powerW: 3680 };
  return { phases: [phase, phase, phase], totalPowerW: 11_040, importWh, frequencyHz: 50, readAtMs: atMs };
}

/** One session as the property drives it. */
interface SessionPlan {
  readonly connectorId: number;
  readonly samples: number;
  /** The EV's unplug is journaled (else it never comes). */
  readonly unplugged: boolean;
  /** The CSMS sends a cost for the session `costFor` sessions back (0: this one; also sessions long gone). */
  readonly costFor: number | null;
}

const plan: fc.Arbitrary<SessionPlan> = fc.record({
  connectorId: fc.constantFrom(1, 1, 1, 2),
  samples: fc.integer({ min: 0, max: 5 }),
  unplugged: fc.boolean(),
  costFor: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
});

describe('bounded memory over thousands of sessions', function () {
  this.timeout(120_000);

  it('the billing recorder: connected sessions, finals and CSMS costs stay bounded, whatever unplugs and costs come', async () => {
    const config = parseConfig({});
    await fc.assert(
      fc.asyncProperty(fc.array(plan, { minLength: 300, maxLength: 600 }), async (sessions) => {
        const clock = handClock(Date.parse('2026-06-01T00:00:00Z'));
        const billing = new BillingRecorder(nullRecorder(), new TariffHolder(config.tariff), 'UTC', clock, silentLogger());
        const ids: number[] = [];
        let registerWh = 1_000;
        for (const s of sessions) {
          const startAtMs = clock.nowMs();
          const id = await billing.startSession({ connectorId: s.connectorId, idTag: 'CARD', plugInAtMs: startAtMs, authorizedAtMs: startAtMs, startAtMs, meterStartWh: registerWh });
          ids.push(id);
          for (let i = 0; i < s.samples; i++) {
            clock.advance(60_000);
            registerWh += 180;
            await billing.recordSample(id, sample(registerWh, clock.nowMs()));
          }
          assert.ok(billing.cost(id), 'the running session has its running cost');
          if (s.costFor !== null) billing.csmsCost(ids[Math.max(0, ids.length - 1 - s.costFor)] ?? id, 1.23);
          clock.advance(1_000);
          await billing.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: registerWh, reason: 'Local' });
          assert.notEqual(billing.cost(id), null, 'the stopped session shows its cost (final at the unplug or when its bill closes)');
          if (s.unplugged) await billing.recordUnplug(id, clock.nowMs() + 60_000);
          clock.advance(3_600_000);
          const f = billing.footprint();
          assert.ok(f.connected <= CONNECTED_KEPT, `connected ${f.connected}`);
          // One stopped session per connector at most waits for its unplug (the next start on it retires it).
          assert.ok(f.connected <= 2, `connected ${f.connected} with two connectors`);
          assert.ok(f.finals <= SESSIONS_KEPT, `finals ${f.finals}`);
          assert.ok(f.csmsCosts <= SESSIONS_KEPT, `csmsCosts ${f.csmsCosts}`);
        }
        const last = ids.at(-1);
        assert.ok(last !== undefined && billing.cost(last) !== null, 'the newest session is still there');
      }),
      { numRuns: 10 },
    );
  });

  it('5000 sessions in a row, none unplugged and a CSMS cost for each: the footprint is flat', async () => {
    const config = parseConfig({});
    const clock = handClock(Date.parse('2026-06-01T00:00:00Z'));
    const billing = new BillingRecorder(nullRecorder(), new TariffHolder(config.tariff), 'UTC', clock, silentLogger());
    const footprints: string[] = [];
    for (let n = 0; n < 5000; n++) {
      const at = clock.nowMs();
      const id = await billing.startSession({ connectorId: 1, idTag: null, plugInAtMs: at, authorizedAtMs: at, startAtMs: at, meterStartWh: n * 10 });
      billing.csmsCost(id, 2.5, '2.50 EUR');
      clock.advance(600_000);
      await billing.stopSession(id, { stopAtMs: clock.nowMs(), meterStopWh: n * 10 + 5, reason: 'Local' });
      if (n % 1000 === 999) footprints.push(JSON.stringify(billing.footprint()));
    }
    assert.deepEqual(new Set(footprints).size, 1, `the same at every thousand: ${footprints.join(' ')}`);
    assert.deepEqual(billing.footprint(), { connected: 1, finals: SESSIONS_KEPT, csmsCosts: SESSIONS_KEPT, unplugListeners: 0, openings: 0, pendingCloses: SESSIONS_KEPT });
  });

  it('the authorization cache: thousands of cards through Start answers and Authorize never exceed its size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 2_000, maxLength: 3_000 }), fc.integer({ min: 1, max: 60 }), async (cards, limit) => {
        const kv = new MemoryKeyValueStore();
        const keys = await ConfigurationKeys.load(kv, {});
        const cache = new AuthorizationCache(kv, keys, limit);
        for (const [i, card] of cards.entries()) {
          await cache.remember(`CARD-${card}`, { status: 'Accepted' });
          if (i % 97 === 0) assert.ok((await kv.list(AUTH_CACHE_NAMESPACE)).size <= limit);
        }
        const kept = await kv.list(AUTH_CACHE_NAMESPACE);
        assert.ok(kept.size <= limit);
        assert.ok(kept.has(`CARD-${cards.at(-1)}`), 'the newest card is kept');
      }),
      { numRuns: 5 },
    );
  });
});
