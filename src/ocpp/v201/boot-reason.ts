/**
 * Why the station booted (BootNotification `reason`): PowerUp unless the process left a reason in the journal before
 * it restarted (a Reset from the CSMS: RemoteReset; a firmware install: FirmwareUpdate). The reason is read once per
 * process and removed, so the boot after that is a PowerUp again.
 */
import type { KeyValueStore } from '../../journal/ports.js';

export type BootReason =
  | 'ApplicationReset'
  | 'FirmwareUpdate'
  | 'LocalReset'
  | 'PowerUp'
  | 'RemoteReset'
  | 'ScheduledReset'
  | 'Triggered'
  | 'Unknown'
  | 'Watchdog';

const NAMESPACE = 'ocpp201.boot';
const KEY = 'nextReason';
const REASONS: ReadonlySet<string> = new Set<BootReason>(['ApplicationReset', 'FirmwareUpdate', 'LocalReset', 'PowerUp', 'RemoteReset', 'ScheduledReset', 'Triggered', 'Unknown', 'Watchdog']);

/** Notes the reason the next start will report (before a Reset restarts the process). */
export async function noteNextBootReason(kv: KeyValueStore, reason: BootReason): Promise<void> {
  await kv.set(NAMESPACE, KEY, reason);
}

/** The reason of this start: the noted one (then forgotten) or PowerUp. */
export async function takeBootReason(kv: KeyValueStore): Promise<BootReason> {
  const noted = await kv.get(NAMESPACE, KEY);
  if (noted === undefined || noted === null) return 'PowerUp';
  await kv.delete(NAMESPACE, KEY);
  return typeof noted === 'string' && REASONS.has(noted) ? (noted as BootReason) : 'Unknown';
}
