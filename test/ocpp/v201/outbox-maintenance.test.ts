import assert from 'node:assert/strict';
import { createRPCError } from '../../../src/ocpp/rpc.js';
import { FirmwareServer } from '../support/firmware-server.js';
import { Rig201, sleep, waitFor } from './rig.js';
import { assertSchema } from './schemas.js';
import { BenchRig } from './support/bench-rig.js';

type AnyRig = Rig201 | BenchRig;

/**
 * Job statuses and report parts through the journal's outbox, against the bench CSMS (ocpp2.0.1, strict, loopback)
 * with the real SQLite journal: an outage in the middle of a firmware update, a log upload, a customer report or a
 * profiles report loses nothing, and a CSMS that refuses them holds no TransactionEvent back.
 */
describe('OCPP 2.0.1 job statuses and reports survive an outage (journal outbox, optional lane)', function () {
  this.timeout(30_000);
  let rig: AnyRig | null = null;
  let server: FirmwareServer;
  /** Opens the held HTTP answer (firmware image, log upload). */
  let release: () => void;
  let held: Promise<void>;

  beforeEach(async () => {
    server = await FirmwareServer.start();
    held = new Promise<void>((resolve) => (release = resolve));
  });
  afterEach(async () => {
    release();
    await rig?.close();
    rig = null;
    await server.close();
  });

  /** Station calls of `method` the CSMS received (each frame, a resent one twice), in order. */
  const received = (r: AnyRig, method: string): Record<string, unknown>[] => r.csms.callsOf(method);

  /** Station calls of `method` the CSMS answered, in the order of its answers: each exactly once if nothing is lost or doubled. */
  function answered(r: AnyRig, method: string): Record<string, unknown>[] {
    const calls = new Map<string, Record<string, unknown>>();
    const out: Record<string, unknown>[] = [];
    for (const m of r.csms.messages) {
      if (m.type === 'CALL' && !m.outbound && m.method === method) calls.set(m.messageId, m.payload as Record<string, unknown>);
      if (m.type === 'CALLRESULT' && m.outbound && m.method === method) out.push(calls.get(m.messageId) ?? {});
    }
    return out;
  }

  /** Down right after the CSMS answered what it got so far (its answer reaches the station first). */
  async function cut(r: AnyRig): Promise<void> {
    await sleep(50);
    await r.csms.controls.goDown();
  }

  it('L01: an update that ends (Installed) while the link is down: every FirmwareStatusNotification arrives after reconnect, once each, in order', async () => {
    const image = Buffer.from('firmware image v3 '.repeat(1000));
    server.route('/fw.bin', async (_req, res) => {
      await held;
      res.writeHead(200, { 'content-length': String(image.length) }).end(image);
    });
    const r = await Rig201.create({ config: { firmwareInstallCommand: ['true'] } });
    rig = r;
    await r.waitRegistered();
    await r.call('UpdateFirmware', { requestId: 41, firmware: { location: `${server.base}/fw.bin`, retrieveDateTime: new Date().toISOString() } });
    await waitFor(() => received(r, 'FirmwareStatusNotification').length === 1, 5000, 'Downloading');
    await cut(r);
    release();
    // Downloaded, Installing, Installed and the FirmwareUpdated security event, all while offline.
    await waitFor(async () => (await r.journal.depth()) >= 4, 5000, 'the statuses queued offline');
    assert.deepEqual(received(r, 'FirmwareStatusNotification').map((n) => n['status']), ['Downloading'], 'nothing left while down');
    await r.csms.controls.comeBack();
    await waitFor(() => answered(r, 'FirmwareStatusNotification').some((n) => n['status'] === 'Installed'), 5000, 'Installed');
    const expected = ['Downloading', 'Downloaded', 'Installing', 'Installed'];
    assert.deepEqual(answered(r, 'FirmwareStatusNotification').map((n) => [n['status'], n['requestId']]), expected.map((s) => [s, 41]));
    assert.deepEqual(received(r, 'FirmwareStatusNotification').map((n) => n['status']), expected, 'none twice');
    for (const n of received(r, 'FirmwareStatusNotification')) assertSchema('FirmwareStatusNotification', 'req', n);
    await waitFor(() => received(r, 'SecurityEventNotification').some((e) => e['type'] === 'FirmwareUpdated'), 3000, 'FirmwareUpdated');
  });

  it('N01: an upload that ends while the link is down: Uploading, Uploaded arrive after reconnect with the requestId', async () => {
    server.fallback = async (req, res) => {
      for await (const _chunk of req) void _chunk;
      await held;
      res.writeHead(200).end();
    };
    const r = await Rig201.create();
    rig = r;
    await r.waitRegistered();
    await r.call('GetLog', { logType: 'DiagnosticsLog', requestId: 9, log: { remoteLocation: `${server.base}/logs` } });
    await waitFor(() => received(r, 'LogStatusNotification').length === 1, 5000, 'Uploading');
    await cut(r);
    release();
    await waitFor(async () => (await r.journal.depth()) >= 1, 5000, 'Uploaded queued offline');
    await r.csms.controls.comeBack();
    await waitFor(() => answered(r, 'LogStatusNotification').length === 2, 5000, 'Uploaded');
    assert.deepEqual(answered(r, 'LogStatusNotification'), [
      { status: 'Uploading', requestId: 9 },
      { status: 'Uploaded', requestId: 9 },
    ]);
    assert.equal(received(r, 'LogStatusNotification').length, 2, 'none twice');
  });

  it('N09: a report cut in the middle resumes at the part in flight after reconnect: seqNo 0…n each answered once, in order, one generatedAt', async () => {
    let current: Rig201 | null = null;
    const r = await Rig201.create({ client: { journalReader: { sessions: (range) => (current as Rig201).journal.sessions(range) } } });
    current = r;
    rig = r;
    await r.waitRegistered();
    const t0 = Date.parse('2026-03-01T10:00:00.000Z');
    for (let i = 0; i < 16; i += 1) {
      const id = await r.journal.startSession({ connectorId: 1, idTag: 'FLEET-7', plugInAtMs: t0 + i * 86_400_000, authorizedAtMs: t0 + i * 86_400_000, startAtMs: t0 + i * 86_400_000, meterStartWh: 0 });
      await r.journal.stopSession(id, { stopAtMs: t0 + i * 86_400_000 + 3_600_000, meterStopWh: 1000 + i, reason: 'Local' });
    }
    // The CSMS answers parts 0 and 1, then goes silent: part 2 is on the wire, unanswered, when the link drops.
    r.csms.controls.respondWith('NotifyCustomerInformation', (p) => {
      if (p['seqNo'] === 1) r.csms.controls.setSilent('NotifyCustomerInformation');
      return {};
    });
    await r.call('CustomerInformation', { requestId: 12, report: true, clear: false, idToken: { idToken: 'FLEET-7', type: 'ISO14443' } });
    await waitFor(() => received(r, 'NotifyCustomerInformation').length === 3, 5000, 'part 2 in flight');
    await r.csms.controls.goDown();
    r.csms.controls.setSilent(null);
    r.csms.controls.respondWith('NotifyCustomerInformation', null);
    await r.csms.controls.comeBack();
    await waitFor(() => answered(r, 'NotifyCustomerInformation').some((p) => p['tbc'] === false), 5000, 'the last part');
    const parts = answered(r, 'NotifyCustomerInformation');
    assert.ok(parts.length >= 4, `${parts.length} parts`);
    assert.deepEqual(parts.map((p) => p['seqNo']), parts.map((_, i) => i));
    assert.deepEqual(parts.map((p) => p['tbc']), parts.map((_, i) => i < parts.length - 1));
    assert.equal(new Set(parts.map((p) => p['generatedAt'])).size, 1, 'generatedAt fixed when the report was made');
    // The sessions' TransactionEvent answers may have put the token in the cache: its line comes first, once.
    const lines = parts.map((p) => String(p['data'])).join('\n').split('\n');
    assert.equal(lines.filter((l) => l.startsWith('session ')).length, 16, 'every session once');
    assert.equal(lines.length, 16 + lines.filter((l) => l.startsWith('authorization cache: ')).length, 'nothing else');
    // The cut part was sent again as it was; nothing else twice.
    const frames = received(r, 'NotifyCustomerInformation');
    assert.deepEqual(frames.map((p) => p['seqNo']), [0, 1, 2, ...parts.slice(2).map((p) => p['seqNo'])]);
    assert.deepEqual(frames[2], frames[3]);
    for (const p of frames) assertSchema('NotifyCustomerInformation', 'req', p);
  });

  it('K09: a ReportChargingProfiles report cut between its parts resumes with its requestId and tbc intact', async () => {
    const r = await Rig201.create();
    rig = r;
    await r.waitRegistered();
    const profile = (id: number, purpose: string, limit: number): Record<string, unknown> => ({
      id,
      stackLevel: 0,
      chargingProfilePurpose: purpose,
      chargingProfileKind: 'Absolute',
      chargingSchedule: [{ id: id * 10, startSchedule: new Date(Date.now() - 1000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit, numberPhases: 3 }] }],
    });
    assert.equal((await r.call('SetChargingProfile', { evseId: 0, chargingProfile: profile(1, 'ChargingStationMaxProfile', 20) }) as { status: string }).status, 'Accepted');
    assert.equal((await r.call('SetChargingProfile', { evseId: 1, chargingProfile: profile(2, 'TxDefaultProfile', 12) }) as { status: string }).status, 'Accepted');
    r.csms.controls.respondWith('ReportChargingProfiles', () => {
      r.csms.controls.setSilent('ReportChargingProfiles');
      return {};
    });
    await r.call('GetChargingProfiles', { requestId: 77, chargingProfile: {} });
    await waitFor(() => received(r, 'ReportChargingProfiles').length === 2, 5000, 'part 1 in flight');
    await r.csms.controls.goDown();
    r.csms.controls.setSilent(null);
    r.csms.controls.respondWith('ReportChargingProfiles', null);
    await r.csms.controls.comeBack();
    await waitFor(() => answered(r, 'ReportChargingProfiles').length === 2, 5000, 'the last part');
    assert.deepEqual(
      answered(r, 'ReportChargingProfiles').map((p) => [p['requestId'], p['evseId'], p['tbc']]),
      [
        [77, 0, true],
        [77, 1, false],
      ],
    );
    for (const p of received(r, 'ReportChargingProfiles')) assertSchema('ReportChargingProfiles', 'req', p);
  });

  it('a CSMS that answers NotImplemented or fails them holds no TransactionEvent back; NotImplemented is not sent again', async () => {
    // A retried optional message waits 30 s: long enough that anything held behind it would show.
    const r = await BenchRig.create({ config: { initialKeys: { 'OCPPCommCtrlr/MessageAttemptInterval[TransactionEvent]': '30' } } });
    rig = r;
    await r.waitRegistered();
    r.csms.controls.respondWith('LogStatusNotification', () => {
      throw createRPCError('NotImplemented', 'no log tracking here');
    });
    r.csms.controls.failNext('NotifyCustomerInformation', 100, 'InternalError');
    // Nothing listens on port 9 of loopback: Uploading, then UploadFailure.
    await r.call('GetLog', { logType: 'DiagnosticsLog', requestId: 3, log: { remoteLocation: 'http://127.0.0.1:9/logs' }, retries: 0 });
    await r.call('CustomerInformation', { requestId: 4, report: true, clear: false, idToken: { idToken: 'NOBODY', type: 'ISO14443' } });
    await waitFor(() => received(r, 'NotifyCustomerInformation').length === 1, 5000, 'the refused report');
    // The refused report waits at the optional lane's head for its retry; a transaction goes by.
    r.station.meter(0);
    r.station.plugIn();
    r.station.authorizeStart('CARD0001', 'local');
    const [started] = await r.waitEvents(1, 5000);
    assert.equal(started?.eventType, 'Started');
    await waitFor(() => r.client.isUnsupported('LogStatusNotification'), 5000, 'LogStatusNotification remembered as not implemented');
    await sleep(300);
    assert.equal(received(r, 'LogStatusNotification').length, 1, 'after NotImplemented the kind is dropped without being sent');
    assert.equal(received(r, 'NotifyCustomerInformation').length, 1, 'the failed part waits for its retry (optional lane)');
    r.station.stopSession('Local');
    await waitFor(() => r.events().some((e) => e.eventType === 'Ended'), 5000, 'Ended');
  });

  it('a flood of statuses queued offline is bounded per kind; the transaction of the same outage is delivered whole', async () => {
    const r = await BenchRig.create();
    rig = r;
    await r.waitRegistered();
    await r.csms.controls.goDown();
    r.station.meter(0);
    r.station.plugIn();
    r.station.authorizeStart('CARD0001', 'local');
    await r.station.committed();
    await Promise.all(Array.from({ length: 250 }, (_, i) => r.journal.enqueue('LogStatusNotification', null, { status: 'AcceptedCanceled', requestId: i })));
    r.station.meter(500);
    r.station.stopSession('Local');
    await r.station.committed();
    await r.csms.controls.comeBack();
    await waitFor(() => r.events().some((e) => e.eventType === 'Ended'), 8000, 'Ended');
    const events = r.events();
    assert.deepEqual([events[0]?.eventType, events.at(-1)?.eventType, events.every((e) => e.offline === true)], ['Started', 'Ended', true]);
    await waitFor(() => received(r, 'LogStatusNotification').some((n) => n['requestId'] === 249), 8000, 'the newest status');
    const ids = received(r, 'LogStatusNotification').map((n) => n['requestId']);
    assert.equal(ids.length, 200, 'bounded per kind');
    assert.deepEqual(ids.slice(0, 2), [0, 51], 'the first (maybe in flight) and the newest 199 kept');
  });
});
