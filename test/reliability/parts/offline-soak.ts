/**
 * Offline soak: the CSMS unreachable for 7 simulated days while 500 sessions are journaled (the station's clock jumps
 * ahead between records; its reconnect timers fire all along), then the CSMS comes back. Everything queued must be
 * delivered once, in queue order, Stops and MeterValues with the transactionId the CSMS gave their Start; the
 * station's resident memory is read before, during and after.
 */
import { join } from 'node:path';
import { atMost, info, zero, type PartOptions, type Row } from './row.js';
import { compareDelivery, openJournalUplink, residentMiB, sleep, waitDrained, waitRegistered, writeSession } from './journal-uplink.js';

const part = 'offline soak';
const minute = 60_000;
const day = 24 * 60 * minute;
/**
 * Growth allowed between before and after, MiB. Everything queued lives in the journal file, not in memory; what may
 * grow is SQLite's page cache in the journal worker (capped by its cache_size, 2 MiB by default) and V8's heap after a
 * burst of 3,000 deliveries before it shrinks. 32 MiB is ten times what that explains: an unbounded map or listener
 * growing with each message or session shows well above it at 500 sessions.
 */
const growthBoundMiB = 32;

export async function run(options: PartOptions): Promise<Row[]> {
  const days = options.scale === 'full' ? 7 : 1;
  const sessions = options.scale === 'full' ? 500 : 20;
  // 500 sessions in 7 days is one every 20 min: 16 min of charging (3 readings 4 min apart), then a gap.
  const meterValues = 3;
  const stepMs = 4 * minute;
  // Reconnect attempts at most 10 s apart (default 60 s; 2 s in the quick run): the drain is timed from the CSMS's return.
  const reconnectMaxS = options.scale === 'full' ? 10 : 2;
  const u = await openJournalUplink('soak', { reconnectMaxS });
  try {
    await waitRegistered(u, 30_000);
    await u.csms.command('down');
    while (u.client.connection.isOpen()) await sleep(20);
    const before = residentMiB();
    let during = before;
    const gapMs = (days * day) / sessions - (meterValues + 1) * stepMs;
    if (gapMs < 0) throw new Error('sessions overlap: fewer sessions or shorter ones');
    for (let i = 0; i < sessions; i++) {
      await writeSession(u, `CARD${String(i % 50).padStart(4, '0')}`, 5_000 + (i % 7) * 1_000, meterValues, stepMs);
      u.clock.jump(gapMs);
      if (i % 50 === 49) {
        during = Math.max(during, residentMiB());
        options.log?.(`${part}: ${i + 1}/${sessions} sessions offline, rss ${residentMiB()} MiB, outbox ${await u.journal.depth()}`);
      }
    }
    const offline = residentMiB();
    const depth = await u.journal.depth();
    const t0 = Date.now();
    await u.csms.command('up');
    await waitDrained(u, options.scale === 'full' ? 900_000 : 120_000);
    const drainS = (Date.now() - t0) / 1000;
    await sleep(500);
    const after = residentMiB();
    const f = compareDelivery(join(u.dir, 'state'), u.csms.ledger());
    return [
      info(part, `sessions journaled offline over ${days} simulated day(s)`, sessions),
      info(part, 'transaction messages queued (outbox depth at reconnect)', depth),
      info(part, `time to deliver the backlog after the CSMS is back (reconnect ≤ ${reconnectMaxS * 1.25} s)`, Math.round(drainS), 's'),
      zero(part, 'messages lost', f.lost),
      zero(part, 'messages duplicated at the CSMS', f.duplicated),
      zero(part, 'messages delivered out of queue order', f.outOfOrder),
      zero(part, 'Stop/MeterValues with the wrong transactionId', f.wrongId),
      zero(part, 'dead letters', f.dead + u.dead.length),
      zero(part, 'calls at the CSMS matching nothing queued', f.unexpected),
      info(part, 'resident memory before (online, idle)', before, 'MiB'),
      info(part, 'resident memory during (peak while offline)', Math.max(during, offline), 'MiB'),
      info(part, 'resident memory after delivery', after, 'MiB'),
      atMost(part, 'resident memory growth, after − before', Math.round((after - before) * 10) / 10, growthBoundMiB, 'MiB'),
    ];
  } finally {
    await u.close();
  }
}
