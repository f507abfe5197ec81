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
import { createHostileCsms, stationFrameReader } from './fuzz-csms.js';
import { fuzzFrame, OCPP16_ERROR_CODES, seeded, type FuzzFrame } from './fuzz-frames.js';

export interface FuzzReport {
  readonly frames: number;
  readonly failures: string[];
  readonly byKind: Record<string, number>;
  /** Times the station's link closed during the run (its onClose), and websockets opened after the first. */
  readonly closes: number;
  readonly reconnects: number;
  /** When the station closed its socket: the close code it sent (null: it dropped TCP without one) and the last frames before. */
  readonly closedByStation: null | { readonly code: number | null; readonly lastFrames: string[] };
}

export interface FuzzOptions {
  readonly seed: number;
  readonly frames: number;
  /** Sleep a seeded 1–30 ms after every `pauseEvery`-th frame. */
  readonly pauseEvery?: number;
  /**
   * Frames sent back to back before waiting for the answers (default 1: each frame waits for its answer). A hostile
   * CSMS does not wait: bursts queue frames ahead of the station's pongs and answers, which lockstep never does.
   */
  readonly burst?: number;
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


interface Snapshot {
  readonly status: UplinkStatus;
  readonly requests: number;
  readonly configuration: string;
}

async function snapshot(client: OcppClient, station: FakeStation): Promise<Snapshot> {
  return { status: await client.status(), requests: station.requests.length, configuration: JSON.stringify(client.keys.getConfiguration()) };
}

/** What the station must send for a burst of frames: one answer per expected id (ids may repeat: '-1'). */
interface Due {
  readonly code: string | null;
  readonly result: boolean;
}

class Expected {
  private readonly pending = new Map<string, Due[]>();

  add(id: string, due: Due): void {
    const list = this.pending.get(id) ?? [];
    list.push(due);
    this.pending.set(id, list);
  }

  /** Takes the expectation an answer with `id` meets; undefined when none was due. */
  take(id: string): Due | undefined {
    const list = this.pending.get(id);
    if (!list || list.length === 0) return undefined;
    const due = list.shift();
    if (list.length === 0) this.pending.delete(id);
    return due;
  }

  get size(): number {
    return this.pending.size;
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const csms = await createHostileCsms();
  const outbox = new MemoryOutboxStore();
  let client: OcppClient | null = null;
  const station = new FakeStation(outbox, () => Date.now(), () => client?.outboxChanged());
  const failures: string[] = [];
  const byKind: Record<string, number> = {};
  const closes: string[] = [];
  const lastFrames: string[] = [];
  let closedByStation: FuzzReport['closedByStation'] = null;
  let frames = 0;
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
    /** Frames of the station not yet looked at; its own calls are answered here, the rest returned. */
    const drain = stationFrameReader(peer, answerOf, failures);
    const pump = setInterval(() => drain().forEach((m) => failures.push(`unexpected frame before the fuzz: ${JSON.stringify(m).slice(0, 200)}`)), 5);
    await waitUntil(() => c.registration.isAccepted() && c.connection.isOpen(), 5000, 'registration');
    await sleep(300);
    await waitUntil(() => c.sender.messageInFlight() === null, 5000, 'idle sender');
    clearInterval(pump);
    drain();
    const before = await snapshot(c, station);

    const rnd = seeded(options.seed);
    const burst = Math.max(1, options.burst ?? 1);
    for (let n = 0; n < options.frames && !peer.ended; ) {
      const expected = new Expected();
      const kinds = new Map<string, string>();
      const first = n;
      let answerless = false;
      for (; n < options.frames && n - first < burst; n++) {
        const frame: FuzzFrame = fuzzFrame(rnd, n);
        byKind[frame.kind] = (byKind[frame.kind] ?? 0) + 1;
        frames++;
        lastFrames.push(`${n} ${frame.kind}: ${(typeof frame.data === 'string' ? frame.data : `<${frame.opcode === 1 ? 'text' : 'binary'} ${frame.data.length} B: ${frame.data.toString('hex', 0, 24)}>`).slice(0, 80)}`);
        if (lastFrames.length > 10) lastFrames.shift();
        if (typeof frame.data === 'string') peer.sendText(frame.data);
        else peer.sendFrame(frame.opcode ?? 2, frame.data);
        if (frame.expect) {
          expected.add(frame.expect.id, { code: frame.expect.code, result: frame.expect.result === true });
          kinds.set(frame.expect.id, `${n} (${frame.kind})`);
        } else answerless = true;
        if (options.pauseEvery && n % options.pauseEvery === 0) await sleep(1 + Math.floor(rnd() * 30));
      }
      const label = first === n - 1 ? `frame ${first}` : `frames ${first}–${n - 1}`;
      // An answer-less frame is followed by a probe whose answer shows the station has read past it.
      if (answerless) {
        const probeId = `probe-${n - 1}`;
        peer.sendText(JSON.stringify([2, probeId, 'NoSuchAction', {}]));
        expected.add(probeId, { code: 'NotImplemented', result: false });
        kinds.set(probeId, `the probe after ${label}`);
      }
      const check = (a: unknown[]): void => {
        const [type, id, code] = a;
        const what = typeof id === 'string' ? (kinds.get(id) ?? label) : label;
        const due = typeof id === 'string' ? expected.take(id) : undefined;
        if (!due) failures.push(`${label}: extra answer ${JSON.stringify(a).slice(0, 200)}`);
        else if (due.result) {
          if (type !== 3 || typeof a[2] !== 'object' || a[2] === null) failures.push(`${what}: a valid call answered with ${JSON.stringify(a).slice(0, 200)}`);
        } else if (type !== 4) failures.push(`${what}: answered with a non-CALLERROR ${JSON.stringify(a).slice(0, 200)}`);
        else if (typeof code !== 'string' || !OCPP16_ERROR_CODES.has(code)) failures.push(`${what}: CALLERROR code ${String(code)} is not an OCPP 1.6 code`);
        else if (due.code !== null && code !== due.code) failures.push(`${what}: CALLERROR ${code}, expected ${due.code}`);
      };
      try {
        await peer.waitFor(
          () => {
            drain().forEach(check);
            return expected.size === 0 || peer.ended;
          },
          burst === 1 ? 5000 : 5000 + 50 * burst,
          `the answers to ${label}`,
        );
      } catch (err) {
        failures.push(`${label}: ${(err as Error).message}`);
      }
      if (failures.length > 20) break;
    }
    if (peer.ended) {
      closedByStation = { code: peer.closeCode, lastFrames: [...lastFrames] };
      failures.push(`after ${frames} frames the station closed the websocket (close code ${peer.closeCode ?? 'none'}); last frames: ${lastFrames.join(' | ')}`);
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
    return { frames, failures, byKind, closes: closes.length, reconnects: Math.max(0, csms.peers.length - 1), closedByStation };
  } finally {
    await client?.stop();
    await csms.close();
  }
}
