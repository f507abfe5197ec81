/**
 * What the operator should do about an alert, by its code: one sentence each, shown beside the alert's evidence on
 * the /operator page. Codes not listed get the general advice.
 */
const byCode: Readonly<Record<string, string>> = {
  'journal-unavailable': 'The journal could not commit: check free space and the storage (SD card) health; no session starts until it commits again.',
  'journal-corrupt': 'The journal failed its integrity check and was moved aside: keep the moved file for the billing records and watch the storage.',
  'session-recovered': 'A session was found open at boot (power loss or crash): check its meter reading and the bill it produced.',
  'outbox-dead-letter': 'A message to the CSMS was given up after its retries: compare with the CSMS, which may be missing a transaction.',
  'outbox-store-failed': 'The uplink could not record a delivery in the journal: check the storage; messages may be sent twice.',
  'outbox-store-recovered': 'The journal took the outbox records again; nothing to do unless it keeps failing.',
  'driver-could-not-charge': 'A driver could not charge: check the connector, the cable and the card reader, then close the alert.',
};

/** Detectors of the monitor raise `anomaly-<detector>`: their evidence shows what was measured. */
const anomalyGuidance = 'The monitor saw measurements it does not expect: compare the evidence with the meter and the vehicle, and check the wiring and the meter.';
const generalGuidance = 'Read the message and the evidence; acknowledge it while you look into it, close it once it is dealt with.';

export function alertGuidance(code: string): string {
  return byCode[code] ?? (code.startsWith('anomaly-') ? anomalyGuidance : generalGuidance);
}
