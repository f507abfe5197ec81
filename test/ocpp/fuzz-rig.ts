/**
 * The real station client (createOcppClient) registered at the hostile CSMS, for the named fuzz cases: the test
 * decides whether the station's own calls are answered, sends raw frames, and reads what came back.
 */
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { createOcppClient, type OcppClient } from '../../src/ocpp/client.js';
import { FakeStation } from './support/fake-station.js';
import { fastConfig, STATION, waitUntil } from './support/harness.js';
import { MemoryKeyValueStore } from './support/memory-kv.js';
import { MemoryOutboxStore } from './support/memory-outbox.js';
import { createHostileCsms, type HostileCsms, type RawPeer } from './fuzz-csms.js';

export interface HostileRig {
  readonly client: OcppClient;
  readonly station: FakeStation;
  readonly csms: HostileCsms;
  readonly peer: RawPeer;
  /** Reasons of every close of the station's link. */
  readonly closes: string[];
  /** The station's own calls, [2, id, action, payload], in order. */
  readonly stationCalls: unknown[][];
  /** Everything else the station sent (answers to the CSMS's calls). */
  readonly answers: unknown[][];
  /** Whether the station's calls get an answer (a hostile CSMS may leave them unanswered). */
  answerStationCalls: boolean;
  stop(): Promise<void>;
}

function answerOf(action: string): Record<string, unknown> {
  const currentTime = new Date().toISOString();
  if (action === 'BootNotification') return { status: 'Accepted', currentTime, interval: 3600 };
  if (action === 'Heartbeat') return { currentTime };
  return {};
}

export async function startHostileRig(options: { callTimeoutS: number; pingIntervalS: number }): Promise<HostileRig> {
  const csms = await createHostileCsms();
  const outbox = new MemoryOutboxStore();
  let client: OcppClient | null = null;
  const station = new FakeStation(outbox, () => Date.now(), () => client?.outboxChanged());
  client = await createOcppClient({
    config: fastConfig(csms.url, { callTimeoutS: options.callTimeoutS, initialKeys: { WebSocketPingInterval: String(options.pingIntervalS) } }),
    station: STATION,
    port: station,
    outbox,
    kv: new MemoryKeyValueStore(),
    clock: systemClock,
    logger: silentLogger(),
    outboxPollMs: 20,
    meterTickMs: 50,
  });
  const c = client;
  const closes: string[] = [];
  c.connection.onClose((reason) => closes.push(reason));
  c.start();
  const peer = await csms.waitPeer(0, 5000);
  const rig: HostileRig = {
    client: c,
    station,
    csms,
    peer,
    closes,
    stationCalls: [],
    answers: [],
    answerStationCalls: true,
    async stop() {
      clearInterval(pump);
      await c.stop();
      await csms.close();
    },
  };
  let seen = 0;
  const pump = setInterval(() => {
    for (const p of csms.peers) {
      // Later sockets (after a reconnect) are answered too, so the station can register again.
      if (p !== peer) answerAll(p);
    }
    for (; seen < peer.received.length; seen++) {
      const frame = peer.received[seen];
      if (!frame || frame.opcode !== 1) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(frame.text);
      } catch {
        continue;
      }
      if (!Array.isArray(msg)) continue;
      if (msg[0] === 2 && typeof msg[1] === 'string' && typeof msg[2] === 'string') {
        rig.stationCalls.push(msg);
        if (rig.answerStationCalls) peer.sendText(JSON.stringify([3, msg[1], answerOf(msg[2])]));
      } else rig.answers.push(msg);
    }
  }, 5);
  const answered = new WeakMap<RawPeer, number>();
  const answerAll = (p: RawPeer): void => {
    let i = answered.get(p) ?? 0;
    for (; i < p.received.length; i++) {
      const frame = p.received[i];
      if (!frame || frame.opcode !== 1) continue;
      try {
        const msg = JSON.parse(frame.text) as unknown;
        if (Array.isArray(msg) && msg[0] === 2 && typeof msg[1] === 'string' && typeof msg[2] === 'string') p.sendText(JSON.stringify([3, msg[1], answerOf(msg[2])]));
      } catch {
        // not JSON: nothing to answer
      }
    }
    answered.set(p, i);
  };
  await waitUntil(() => c.registration.isAccepted() && c.connection.isOpen(), 5000, 'registration');
  await waitUntil(() => c.sender.messageInFlight() === null, 5000, 'idle sender');
  return rig;
}
