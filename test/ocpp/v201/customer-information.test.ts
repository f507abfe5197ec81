import assert from 'node:assert/strict';
import { AUTH_CACHE_201_NAMESPACE } from '../../../src/ocpp/v201/authorization/auth-cache.js';
import { DATA_MAX_CHARS, packLines } from '../../../src/ocpp/v201/customer-information.js';
import { Rig201, sleep, waitFor } from './rig.js';
import { assertSchema } from './schemas.js';

/** N09/N10 against the bench CSMS (ocpp2.0.1, strict), the sessions and the authorization cache in the real journal. */
describe('OCPP 2.0.1 CustomerInformation (N09 report, N10 clear)', function () {
  this.timeout(20_000);
  let rig: Rig201 | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  /** A rig whose client reads the sessions of the rig's own (reopened on restart) journal. */
  async function create(): Promise<Rig201> {
    let current: Rig201 | null = null;
    const r = await Rig201.create({
      client: {
        journalReader: { sessions: (range) => (current as Rig201).journal.sessions(range) },
        forgetIdTag: (idTag) => (current as Rig201).journal.forgetIdTag(idTag),
      },
    });
    current = r;
    rig = r;
    await r.waitRegistered();
    return r;
  }

  /** A finished session of `idTag` in the journal: `wh` Wh delivered. */
  async function session(r: Rig201, idTag: string, startAtMs: number, wh: number): Promise<number> {
    const id = await r.journal.startSession({ connectorId: 1, idTag, plugInAtMs: startAtMs, authorizedAtMs: startAtMs, startAtMs, meterStartWh: 1000 });
    await r.journal.stopSession(id, { stopAtMs: startAtMs + 3600_000, meterStopWh: 1000 + wh, reason: 'Local' });
    return id;
  }

  /** The NotifyCustomerInformation parts of `requestId`, once the last (tbc false) arrived. */
  async function parts(r: Rig201, requestId: number): Promise<Record<string, unknown>[]> {
    const of = (): Record<string, unknown>[] => r.csms.callsOf('NotifyCustomerInformation').filter((n) => n['requestId'] === requestId);
    await waitFor(() => of().some((n) => n['tbc'] === false), 5000, `the last part of request ${requestId}`);
    for (const n of of()) assertSchema('NotifyCustomerInformation', 'req', n);
    return of();
  }

  const cached = async (r: Rig201, token: string): Promise<unknown> => r.journal.get(AUTH_CACHE_201_NAMESPACE, token);

  it('report: the token’s sessions (times, energy) and its authorization-cache entry, nobody else’s; an unknown token gets "No information"', async () => {
    const r = await create();
    assert.equal((await r.client.authorize('CARD-A')).status, 'Accepted');
    assert.ok(await cached(r, 'CARD-A'), 'the Authorize answer is cached');
    const t0 = Date.parse('2026-03-01T10:00:00.000Z');
    const s1 = await session(r, 'CARD-A', t0, 7250);
    await session(r, 'CARD-B', t0 + 7200_000, 999);
    const s3 = await session(r, 'CARD-A', t0 + 86_400_000, 12_000);

    const conf = await r.call('CustomerInformation', { requestId: 5, report: true, clear: false, idToken: { idToken: 'CARD-A', type: 'ISO14443' } });
    assertSchema('CustomerInformation', 'conf', conf);
    assert.deepEqual(conf, { status: 'Accepted' });
    const [only, ...rest] = await parts(r, 5);
    assert.deepEqual(rest, []);
    assert.equal(only?.['seqNo'], 0);
    const lines = String(only?.['data']).split('\n');
    assert.match(lines[0] ?? '', /^authorization cache: Accepted, expires /);
    assert.deepEqual(lines.slice(1), [
      `session ${s1}: start 2026-03-01T10:00:00.000Z stop 2026-03-01T11:00:00.000Z energy 7250 Wh reason Local`,
      `session ${s3}: start 2026-03-02T10:00:00.000Z stop 2026-03-02T11:00:00.000Z energy 12000 Wh reason Local`,
    ]);
    assert.ok(await cached(r, 'CARD-A'), 'a report alone clears nothing');

    await r.call('CustomerInformation', { requestId: 6, report: true, clear: false, idToken: { idToken: 'NEVER-SEEN', type: 'ISO14443' } });
    assert.deepEqual(
      (await parts(r, 6)).map((p) => [p['seqNo'], p['data'], p['tbc']]),
      [[0, 'No information', false]],
    );
    // A customerIdentifier names the same token; a certificate matches nothing kept here.
    await r.call('CustomerInformation', { requestId: 7, report: true, clear: false, customerIdentifier: 'CARD-B' });
    assert.match(String((await parts(r, 7))[0]?.['data']), /energy 999 Wh/);
    await r.call('CustomerInformation', {
      requestId: 8,
      report: true,
      clear: false,
      customerCertificate: { hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01' },
    });
    assert.equal((await parts(r, 8))[0]?.['data'], 'No information');
  });

  it('a long report comes in parts of at most 512 characters: seqNo 0…n, tbc on all but the last, one generatedAt', async () => {
    const r = await create();
    const t0 = Date.parse('2026-03-01T10:00:00.000Z');
    for (let i = 0; i < 12; i += 1) await session(r, 'FLEET-CARD', t0 + i * 86_400_000, 1000 + i);
    await r.call('CustomerInformation', { requestId: 9, report: true, clear: false, idToken: { idToken: 'FLEET-CARD', type: 'ISO14443' } });
    const got = await parts(r, 9);
    assert.ok(got.length >= 3, `${got.length} parts`);
    assert.deepEqual(got.map((p) => p['seqNo']), got.map((_, i) => i));
    assert.deepEqual(got.map((p) => p['tbc']), got.map((_, i) => i < got.length - 1));
    assert.equal(new Set(got.map((p) => p['generatedAt'])).size, 1);
    for (const p of got) assert.ok(String(p['data']).length <= DATA_MAX_CHARS);
    // The sessions' TransactionEvent answers (idTokenInfo Accepted) put the token in the cache: that line comes first.
    const all = got.map((p) => String(p['data'])).join('\n').split('\n');
    assert.equal(all.filter((l) => l.startsWith('session ')).length, 12, 'every session once, none cut');
    assert.equal(all.length, 12 + all.filter((l) => l.startsWith('authorization cache: ')).length, 'nothing else');
  });

  it('clear: the token’s authorization-cache entry goes (after the report of it); its sessions stay as billing records under a pseudonym, and a second report says "No information"', async () => {
    const r = await create();
    await r.client.authorize('CARD-A');
    await r.client.authorize('CARD-B');
    const a1 = await session(r, 'CARD-A', Date.parse('2026-03-01T10:00:00.000Z'), 5000);
    await session(r, 'CARD-B', Date.parse('2026-03-01T12:00:00.000Z'), 700);
    const a2 = await session(r, 'CARD-A', Date.parse('2026-03-02T10:00:00.000Z'), 6000);
    // The sessions' events answered first: their idTokenInfo (cached too) is older than the clear.
    await waitFor(async () => (await r.journal.depth()) === 0, 5000, 'the sessions delivered');
    assert.deepEqual(await r.call('CustomerInformation', { requestId: 3, report: true, clear: true, idToken: { idToken: 'CARD-A', type: 'ISO14443' } }), { status: 'Accepted' });
    const data = String((await parts(r, 3))[0]?.['data']);
    assert.match(data, /^authorization cache: Accepted/);
    assert.match(data, /sessions stay in the journal as billing records under a pseudonym \(the token is removed\)/);
    await waitFor(async () => (await cached(r, 'CARD-A')) === undefined, 3000, 'the cache entry cleared');
    assert.ok(await cached(r, 'CARD-B'), 'another token keeps its entry');
    await waitFor(async () => !(await r.journal.sessions({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER })).some((s) => s.idTag === 'CARD-A'), 3000, 'the sessions masked');
    const left = await r.journal.sessions({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER });
    const pseudonym = left.find((s) => s.id === a1)?.idTag;
    assert.match(String(pseudonym), /^forgotten-[0-9a-f]{8}$/);
    assert.deepEqual(left.map((s) => [s.idTag, (s.meterStopWh ?? 0) - s.meterStartWh]), [[pseudonym, 5000], ['CARD-B', 700], [pseudonym, 6000]]);
    assert.equal(left.find((s) => s.id === a2)?.idTag, pseudonym, 'both sessions of the card still group');
    await r.call('CustomerInformation', { requestId: 30, report: true, clear: false, idToken: { idToken: 'CARD-A', type: 'ISO14443' } });
    assert.deepEqual((await parts(r, 30)).map((p) => p['data']), ['No information']);

    // Clear without report: no NotifyCustomerInformation, the entry goes.
    const before = r.csms.callsOf('NotifyCustomerInformation').length;
    await r.call('CustomerInformation', { requestId: 4, report: false, clear: true, idToken: { idToken: 'CARD-B', type: 'ISO14443' } });
    await waitFor(async () => (await cached(r, 'CARD-B')) === undefined, 3000, 'CARD-B cleared');
    await sleep(100);
    assert.equal(r.csms.callsOf('NotifyCustomerInformation').length, before);
  });

  it('neither idToken, customerIdentifier nor customerCertificate: Rejected, nothing sent; report and clear both false: Rejected', async () => {
    const r = await create();
    const bad = await r.call('CustomerInformation', { requestId: 1, report: true, clear: true });
    assertSchema('CustomerInformation', 'conf', bad);
    assert.equal((bad as { status: string }).status, 'Rejected');
    const idle = await r.call('CustomerInformation', { requestId: 2, report: false, clear: false, idToken: { idToken: 'X', type: 'ISO14443' } });
    assert.equal((idle as { status: string }).status, 'Rejected');
    await sleep(100);
    assert.deepEqual(r.csms.callsOf('NotifyCustomerInformation'), []);
  });

  it('packLines: a line longer than a part is cut, never lost', () => {
    const long = 'x'.repeat(1100);
    const packed = packLines(['a', long, 'b']);
    assert.ok(packed.every((p) => p.length <= DATA_MAX_CHARS));
    assert.equal(packed.join('\n').replace(/\n/g, ''), `a${long}b`);
  });
});
