import { formatDuration } from '../billing/receipt.js';
import type { StationStatusView } from './status-view.js';

const kwh = (wh: number): string => `${(wh / 1000).toFixed(2)} kWh`;
const kw = (w: number): string => `${(w / 1000).toFixed(1)} kW`;
/** "22:10" (UTC) from an ISO time: the CLI has no browser to pick the zone, so it says which it uses. */
const hhmm = (iso: string): string => `${iso.slice(11, 16)} UTC`;

/** The status as a few readable lines, for `evse status` on the station's console. */
export function renderStatusText(view: StationStatusView): string {
  const lines: string[] = [];
  lines.push(`${view.station.id} · ${view.status} — ${view.guidance.headline}: ${view.guidance.action}`);
  const s = view.session;
  if (s !== null) {
    const cost = s.cost ? `, ${s.cost.total.text}${s.cost.source === 'csms' ? ' (operator)' : s.cost.final ? ' (final)' : ''}` : '';
    const eta = s.estimatedCompletion ? `, done about ${hhmm(s.estimatedCompletion.at)} (${s.estimatedCompletion.basis})` : '';
    lines.push(
      `session ${s.id}${s.idTag ? ` (card ${s.idTag})` : ''}: ${kwh(s.energyWh)}${cost}, charging ${formatDuration(s.chargingMs)}, connected ${formatDuration(s.connectedMs)}${eta}`,
    );
    if (s.idleFeeFrom !== null) lines.push(`idle fee from ${hhmm(s.idleFeeFrom)}`);
  }
  lines.push(
    `power ${view.meter ? kw(view.meter.powerW) : '?'} · offer ${view.offer.offeredNowA} A (${view.offer.reason}) · pilot ${view.pilot} · contactor ${view.contactor}`,
  );
  const p = view.price;
  if (p.csmsText !== null) lines.push(`price from the operator: ${p.csmsText}`);
  lines.push(
    `${p.csmsText !== null ? 'station tariff' : 'price'} ${p.pricePerKwh} ${p.currency}/kWh${p.bandLabel ? ` (${p.bandLabel})` : ''}${p.changesAt && p.nextPricePerKwh ? `, ${p.nextPricePerKwh} from ${hhmm(p.changesAt)}` : ''} (tariff ${p.tariffId})`,
  );
  if (view.uplink) {
    lines.push(`uplink ${view.uplink.connected ? 'online' : 'OFFLINE'}, ${view.uplink.registration}, ${view.uplink.outboxDepth} queued${view.uplink.deadLetters > 0 ? `, ${view.uplink.deadLetters} given up` : ''}`);
  } else {
    lines.push('uplink none (no CSMS configured)');
  }
  if (!view.clockTrusted) lines.push('clock not yet set from the CSMS: times may be off');
  for (const f of view.faults) lines.push(`fault ${f.name} (${f.severity}, ${f.ocppErrorCode}): ${f.operatorMessage} — ${f.recovery}`);
  return `${lines.join('\n')}\n`;
}
