/**
 * Link flapping: a simulated day of sessions (one every 30 min, a MeterValues every 5 min) journaled while the link to
 * the CSMS is cut at random every 0.2–1.5 s of real time (sockets destroyed without a close frame; one cut in six the
 * CSMS also stops listening for 300 ms). The station's clock jumps 5 min per record, so the day takes minutes. At the
 * end nothing queued is lost, nothing is delivered twice, nothing out of order or under a wrong transactionId.
 * `run201` does the same over OCPP 2.0.1 (TransactionEvents by seqNo, and the `offline` flag).
 */
import { join } from 'node:path';
import { info, zero, type PartOptions, type Row } from './row.js';
import { compareDelivery201 } from './delivery-201.js';
import { compareDelivery, identity, openJournalUplink, sleep, waitDrained, waitRegistered, writeSession, type JournalUplink, type WrittenRecord } from './journal-uplink.js';

const part = 'link flapping';
const part201 = 'link flapping 2.0.1';
const minute = 60_000;

/** The day of sessions with the link flapping under it; `judge` compares once everything drained. */
async function flap(version: '1.6' | '2.0.1', label: string, options: PartOptions, judge: (u: JournalUplink, written: WrittenRecord[], cuts: number) => Row[]): Promise<Row[]> {
  const sessions = options.scale === 'full' ? 48 : 3;
  const meterValues = 5;
  const stepMs = 5 * minute;
  const paceMs = options.scale === 'full' ? 250 : 150;
  const u = await openJournalUplink(version === '2.0.1' ? 'flap201' : 'flap', { reconnectMaxS: 0.5, version });
  let cuts = 0;
  let flapping = true;
  let seed = 0xf1a9;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const written: WrittenRecord[] = [];
  try {
    await waitRegistered(u, 30_000);
    const flapper = (async () => {
      while (flapping) {
        await sleep(200 + Math.floor(random() * 1300));
        if (!flapping) break;
        cuts++;
        if (random() < 1 / 6) {
          await u.csms.command('down');
          await sleep(300);
          await u.csms.command('up');
        } else {
          await u.csms.command('drop');
        }
      }
    })();
    for (let i = 0; i < sessions; i++) {
      await writeSession(u, `CARD${String(i).padStart(4, '0')}`, 7_000, meterValues, stepMs, () => sleep(paceMs), written);
      u.clock.jump(30 * minute - (meterValues + 1) * stepMs);
      if (i % 12 === 11) options.log?.(`${label}: ${i + 1}/${sessions} sessions, ${cuts} cuts`);
    }
    flapping = false;
    await flapper;
    await waitDrained(u, 120_000);
    return judge(u, written, cuts);
  } finally {
    flapping = false;
    await u.close();
  }
}

export async function run(options: PartOptions): Promise<Row[]> {
  return flap('1.6', part, options, (u, _written, cuts) => {
    const f = compareDelivery(join(u.dir, 'state'), u.csms.ledger());
    return [
      info(part, 'link cuts', cuts),
      info(part, 'transaction messages queued', f.queued),
      zero(part, 'messages lost', f.lost),
      zero(part, 'messages duplicated at the CSMS', f.duplicated),
      zero(part, 'messages delivered out of queue order', f.outOfOrder),
      zero(part, 'Stop/MeterValues with the wrong transactionId', f.wrongId),
      zero(part, 'dead letters', f.dead + u.dead.length),
    ];
  });
}

/**
 * The same day over OCPP 2.0.1: the journal's rows go out as TransactionEvents under the station's transactionId and
 * seqNo. What is provable about `offline`: a row written while the link was certainly down (not open or boot not
 * Accepted, the same before and after its commit) is flagged offline, and one written while it was certainly up is
 * not. A row written across a cut is the station's honest guess either way and is not judged.
 */
export async function run201(options: PartOptions): Promise<Row[]> {
  const p = part201;
  return flap('2.0.1', p, options, (u, written, cuts) => {
    const f = compareDelivery201(join(u.dir, 'state'), u.csms.ledger(), identity, written);
    return [
      info(p, 'link cuts', cuts),
      info(p, 'TransactionEvents queued', f.queued),
      zero(p, 'events lost', f.lost),
      zero(p, 'events duplicated at the CSMS', f.duplicated),
      zero(p, 'events first delivered after a higher seqNo of their transaction', f.outOfOrder),
      zero(p, 'events of the wrong type for their row (Started / Updated / Ended)', f.wrongEvent),
      zero(p, 'events under a transactionId or seqNo the journal never gave', f.unexpected),
      zero(p, 'dead letters', f.dead + u.dead.length),
      info(p, 'events written while the link was certainly down', f.certain.offline),
      info(p, 'events written while the link was certainly up', f.certain.online),
      zero(p, 'events written offline without offline: true', f.offlineMissing),
      zero(p, 'events written online and registered with offline: true', f.offlineWrong),
    ];
  });
}
