/**
 * Runs the OCPP fuzz: the real station client (createOcppClient) against the hostile CSMS over a real loopback
 * websocket. Returns what went wrong (empty: nothing did) so the short and the long test assert the same things.
 */
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { createOcppClient, type OcppClient, type UplinkStatus } from '../../src/ocpp/client.js';
import { FakeStation } from './support/fake-station.js';
import { fastConfig, STATION, sleep, waitUntil } from './support/harness.js';
import { MemoryKeyValueStore } from './support/memory-kv.js';
import { MemoryOutboxStore } from './support/memory-outbox.js';
import { createHostileCsms } from './fuzz-csms.js';
import { fuzzFrame, OCPP16_ERROR_CODES, seeded, type FuzzFrame } from './fuzz-frames.js';

export interface FuzzReport {
  readonly frames: number;
  readonly failures: string[];
  readonly byKind: Record<string, number>;
}

/** A valid answer to each call the station makes, so the station is registered and idle while being fuzzed. */
function answerOf(action: string): Record<string, unknown> {
  const currentTime = new Date().toISOString();
  switch (action) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime, interval: 3600 };
    case 'Heartbeat':
      return { currentTime };
    case 'Authorize':
      return { idTagInfo: { status: 'Accepted' } };
    case 'StartTransaction':
      return { transactionId: 1, idTagInfo: { status: 'Accepted' } };
    case 'DataTransfer':
      return { status: 'Accepted' };
    default:
      return {};
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

interface Snapshot {
  readonly status: UplinkStatus;
  readonly requests: number;
  readonly configuration: string;
}

async function snapshot(client: OcppClient, station: FakeStation): Promise<Snapshot> {
  return { status: await client.status(), requests: station.requests.length, configuration: JSON.stringify(client.keys.getConfiguration()) };
}

export async function runFuzz(options: { seed: number; frames: number; pauseEvery?: number }): Promise<FuzzReport> {
  const csms = await createHostileCsms();
  const outbox = new MemoryOutboxStore();
  let client: OcppClient | null = null;
  const station = new FakeStation(outbox, () => Date.now(), () => client?.outboxChanged());
  const failures: string[] = [];
  const byKind: Record<string, number> = {};
  const closes: string[] = [];
  try {
    client = await createOcppClient({
      // Pings every second: the station's keep-alive runs during the fuzz too.
      config: fastConfig(csms.url, { callTimeoutS: 5, initialKeys: { WebSocketPingInterval: '1' } }),
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
    c.connection.onClose((reason) => closes.push(reason));
    c.start();
    const peer = await csms.waitPeer(0, 5000);
    let seen = 0;
    /** Frames of the station not yet looked at, its own calls answered here. */
    const drain = (): unknown[][] => {
      const answers: unknown[][] = [];
      for (; seen < peer.received.length; seen++) {
        const frame = peer.received[seen];
        if (!frame) continue;
        if (frame.opcode === 8) {
          failures.push(`the station sent a close frame (code ${peer.closeCode})`);
          continue;
        }
        const msg = parse(frame.text);
        if (!Array.isArray(msg)) {
          failures.push(`the station sent a non-OCPP frame: ${frame.text.slice(0, 200)}`);
          continue;
        }
        if (msg[0] === 2 && typeof msg[1] === 'string' && typeof msg[2] === 'string') peer.sendText(JSON.stringify([3, msg[1], answerOf(msg[2])]));
        else answers.push(msg);
      }
      return answers;
    };
    const pump = setInterval(() => drain().forEach((m) => failures.push(`unexpected frame before the fuzz: ${JSON.stringify(m).slice(0, 200)}`)), 5);
    await waitUntil(() => c.registration.isAccepted() && c.connection.isOpen(), 5000, 'registration');
    await sleep(300);
    await waitUntil(() => c.sender.messageInFlight() === null, 5000, 'idle sender');
    clearInterval(pump);
    drain();
    const before = await snapshot(c, station);

    const rnd = seeded(options.seed);
    let frames = 0;
    for (let n = 0; n < options.frames; n++) {
      const frame: FuzzFrame = fuzzFrame(rnd, n);
      byKind[frame.kind] = (byKind[frame.kind] ?? 0) + 1;
      frames++;
      if (typeof frame.data === 'string') peer.sendText(frame.data);
      else peer.sendBinary(frame.data);
      // An answer-less frame is followed by a probe whose answer shows the station has read past it.
      const probeId = `probe-${n}`;
      if (frame.expect === null) peer.sendText(JSON.stringify([2, probeId, 'NoSuchAction', {}]));
      const wanted = frame.expect ?? { id: probeId, code: 'NotImplemented' };
      const answers: unknown[][] = [];
      try {
        await peer.waitFor(
          () => {
            answers.push(...drain());
            return answers.some((a) => a[1] === wanted.id) || peer.ended;
          },
          5000,
          `the answer to frame ${n} (${frame.kind})`,
        );
      } catch (err) {
        failures.push(`frame ${n} (${frame.kind}): ${(err as Error).message}`);
      }
      if (peer.ended) {
        failures.push(`frame ${n} (${frame.kind}): the station closed the websocket (close code ${peer.closeCode ?? 'none'})`);
        break;
      }
      for (const a of answers) {
        const [type, id, code] = a;
        const shortId = typeof id === 'string' && id.length > 40 ? `${id.slice(0, 20)}…(${id.length})` : id;
        if (type !== 4) failures.push(`frame ${n} (${frame.kind}): answered with a non-CALLERROR ${JSON.stringify(a).slice(0, 200)}`);
        else if (id !== wanted.id) failures.push(`frame ${n} (${frame.kind}): extra CALLERROR for id ${String(shortId)}`);
        else if (typeof code !== 'string' || !OCPP16_ERROR_CODES.has(code)) failures.push(`frame ${n} (${frame.kind}): CALLERROR code ${String(code)} is not an OCPP 1.6 code`);
        else if (wanted.code !== null && code !== wanted.code) failures.push(`frame ${n} (${frame.kind}): CALLERROR ${code}, expected ${wanted.code}`);
      }
      if (options.pauseEvery && n % options.pauseEvery === 0) await sleep(1 + Math.floor(rnd() * 30));
      if (failures.length > 20) break;
    }
    // Let any late effect show (a reconnect, a follow-up call), then compare.
    await sleep(200);
    drain().forEach((m) => failures.push(`frame after the fuzz: ${JSON.stringify(m).slice(0, 200)}`));
    const after = await snapshot(c, station);
    if (closes.length > 0) failures.push(`the station's link closed: ${closes.join(', ')}`);
    if (csms.peers.length !== 1) failures.push(`the station opened ${csms.peers.length} websockets (reconnected)`);
    if (!after.status.connected) failures.push('the station reports itself disconnected');
    if (JSON.stringify({ ...after.status, lastAnswerAtMs: null }) !== JSON.stringify({ ...before.status, lastAnswerAtMs: null }))
      failures.push(`uplink status changed: ${JSON.stringify(before.status)} → ${JSON.stringify(after.status)}`);
    if (after.requests !== before.requests) failures.push(`the charge point was asked to act: ${JSON.stringify(station.requests.slice(before.requests))}`);
    if (after.configuration !== before.configuration) failures.push('the configuration keys changed');
    return { frames, failures, byKind };
  } finally {
    await client?.stop();
    await csms.close();
  }
}
