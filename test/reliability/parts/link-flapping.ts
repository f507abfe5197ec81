/**
 * Link flapping: a simulated day of sessions (one every 30 min, a MeterValues every 5 min) journaled while the link to
 * the CSMS is cut at random every 0.2–1.5 s of real time (sockets destroyed without a close frame; one cut in six the
 * CSMS also stops listening for 300 ms). The station's clock jumps 5 min per record, so the day takes minutes. At the
 * end nothing queued is lost, nothing is delivered twice, nothing out of order or under a wrong transactionId.
 */
import { join } from 'node:path';
import { info, zero, type PartOptions, type Row } from './row.js';
import { compareDelivery, openJournalUplink, sleep, waitDrained, waitRegistered, writeSession } from './journal-uplink.js';

const part = 'link flapping';
const minute = 60_000;

export async function run(options: PartOptions): Promise<Row[]> {
  const sessions = options.scale === 'full' ? 48 : 3;
  const meterValues = 5;
  const stepMs = 5 * minute;
  const paceMs = options.scale === 'full' ? 250 : 150;
  const u = await openJournalUplink('flap', { reconnectMaxS: 0.5 });
  let cuts = 0;
  let flapping = true;
  let seed = 0xf1a9;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
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
      await writeSession(u, `CARD${String(i).padStart(4, '0')}`, 7_000, meterValues, stepMs, () => sleep(paceMs));
      u.clock.jump(30 * minute - (meterValues + 1) * stepMs);
      if (i % 12 === 11) options.log?.(`${part}: ${i + 1}/${sessions} sessions, ${cuts} cuts`);
    }
    flapping = false;
    await flapper;
    await waitDrained(u, 120_000);
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
  } finally {
    flapping = false;
    await u.close();
  }
}
