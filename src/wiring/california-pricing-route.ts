import { costMsgVendorId, parseCostMsg } from '../billing/costmsg.js';
import type { Clock } from '../clock.js';
import type { JournalReader, OutboxStore } from '../journal/ports.js';
import type { Logger } from '../logger.js';
import type { DataTransferRoute } from '../ocpp/data-transfer.js';
import type { Station } from './station.js';

/** How far back a FinalCost may refer to a session. */
const FINAL_COST_LOOKBACK_MS = 7 * 24 * 3600 * 1000;

/**
 * Routes the CSMS's California Pricing DataTransfers (`org.openchargealliance.costmsg`) to billing: RunningCost and
 * FinalCost become the figure the driver sees for that transaction (a difference from the local computation is
 * logged); SetUserPrice is display text for an id token, shown once that card is at the station. A malformed message is Rejected and changes nothing.
 */
export function californiaPricingRoute(station: Station, journal: JournalReader & OutboxStore, clock: Clock, log: Logger): DataTransferRoute {
  const sessionOf = async (transactionId: number): Promise<number | null> => {
    const active = station.controller.activeSessionId();
    if (active !== null && (await journal.transactionIdFor(active)) === transactionId) return active;
    const now = clock.nowMs();
    const recent = await journal.sessions({ fromMs: now - FINAL_COST_LOOKBACK_MS, toMs: now + 1 });
    return recent.find((s) => s.csmsTransactionId === transactionId)?.id ?? null;
  };

  return async (request) => {
    if (request.vendorId !== costMsgVendorId) return { status: 'UnknownVendorId' };
    const parsed = parseCostMsg(request.messageId ?? '', request.data);
    if (!parsed.ok) {
      log.warn({ messageId: request.messageId, reason: parsed.reason }, 'costmsg refused');
      return { status: parsed.code === 'unknown-message-id' ? 'UnknownMessageId' : 'Rejected' };
    }
    const msg = parsed.message;
    if (msg.messageId === 'SetUserPrice') {
      station.setUserPrice(msg.data.idToken, msg.data.priceText);
      log.info({ priceText: msg.data.priceText }, 'price for the driver from the CSMS');
      return { status: 'Accepted' };
    }
    const sessionId = await sessionOf(msg.data.transactionId);
    if (sessionId === null) {
      log.warn({ transactionId: msg.data.transactionId, messageId: msg.messageId }, 'costmsg for an unknown transaction');
      return { status: 'Rejected' };
    }
    station.csmsCost(sessionId, msg.data.cost, msg.messageId === 'FinalCost' ? msg.data.priceText : undefined);
    return { status: 'Accepted' };
  };
}
