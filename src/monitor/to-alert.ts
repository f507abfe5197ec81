import type { AlertInput } from '../journal/types.js';
import type { Finding } from './finding.js';

/** Evidence kept in one alert row at most (characters of JSON): a few samples, some session ids. */
const EVIDENCE_MAX_CHARS = 8000;

/**
 * A finding as the journal's alert: code `anomaly-<detector>`, the plain-language message, the finding's dedup key as
 * the alert's (the journal counts a repeat on the alert while it is open or acknowledged), and in `detail` the dedup
 * key again (as before), the threshold and the evidence (JSON text, since alert details are flat).
 */
export function toAlert(f: Finding): AlertInput {
  let evidence = JSON.stringify(f.evidence);
  if (evidence.length > EVIDENCE_MAX_CHARS) evidence = JSON.stringify({ truncated: true, head: evidence.slice(0, EVIDENCE_MAX_CHARS) });
  return {
    severity: f.severity,
    code: `anomaly-${f.detector}`,
    message: f.message,
    dedupKey: f.dedupKey,
    detail: { detector: f.detector, dedupKey: f.dedupKey, threshold: f.threshold, evidence },
  };
}
