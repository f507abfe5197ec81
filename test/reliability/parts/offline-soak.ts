/**
 * Offline soak: the CSMS unreachable for 7 simulated days while 500 sessions are journaled (the station's clock jumps
 * ahead between records; its reconnect timers fire all along), then the CSMS comes back. Everything queued must be
 * delivered once, in queue order, Stops and MeterValues with the transactionId the CSMS gave their Start; the
 * station's resident memory is read before, during and after.
 */
import { join } from 'node:path';
import { atMost, info, zero, type PartOptions, type Row } from './row.js';
import { compareDelivery, heapMiB, openJournalUplink, residentMiB, sleep, waitDrained, waitRegistered, writeSession } from './journal-uplink.js';

const part = 'offline soak';
const minute = 60_000;
const day = 24 * 60 * minute;
/**
 * Growth allowed between before and after. Everything queued lives in the journal file, not in memory. The JS heap
 * (after a full GC) is where a leak per message or per session would stay: 2,500 messages and 500 sessions; 8 MiB
 * catches anything above about 3 KiB per message. Resident memory also holds the allocator's and SQLite's caches
 * and V8's heap sizing, which swing by ±30 MiB between runs of the same code on this machine (measured): its bound,
 * 64 MiB, catches only gross growth.
 */
const heapBoundMiB = 8;
const residentBoundMiB = 64;

/** The growth figures: bounded when the runner can force a full GC (`node --expose-gc`, as npm run test:reliability). */
function memoryGrowth(heapMiB: number, residentMiB: number): Row[] {
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    return [info(part, 'JS heap growth (no --expose-gc: not bounded)', heapMiB, 'MiB'), info(part, 'resident memory growth (no --expose-gc: not bounded)', residentMiB, 'MiB')];
  }
  return [
    atMost(part, 'JS heap used (after a full GC) growth, after − before', heapMiB, heapBoundMiB, 'MiB'),
    atMost(part, 'resident memory growth, after − before', residentMiB, residentBoundMiB, 'MiB'),
  ];
}

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
    // Warm-up online: the write and delivery paths run once (code compiled, SQLite's page cache filled to its cap,
    // V8's heap sized), so the growth measured below is what the backlog adds, not the first use of the code.
    for (let i = 0; i < 25; i++) await writeSession(u, 'WARMUP01', 5_000, meterValues, stepMs);
    await waitDrained(u, 60_000);
    await u.csms.command('down');
    while (u.client.connection.isOpen()) await sleep(20);
    const before = residentMiB();
    const heapBefore = heapMiB();
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
    const heapAfter = heapMiB();
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
      info(part, 'resident memory before (online, idle, after a warm-up of 25 sessions)', before, 'MiB'),
      info(part, 'resident memory during (peak while offline)', Math.max(during, offline), 'MiB'),
      info(part, 'resident memory after delivery', after, 'MiB'),
      ...memoryGrowth(Math.round((heapAfter - heapBefore) * 10) / 10, Math.round((after - before) * 10) / 10),
    ];
  } finally {
    await u.close();
  }
}
