import type { NotifyAlert } from './types.js';

/** The JSON an alert travels as (webhook body, MQTT payload, the CSMS DataTransfer's data): see README.md. */
export interface AlertPayload {
  readonly id: number;
  readonly code: string;
  readonly severity: NotifyAlert['severity'];
  readonly message: string;
  readonly count: number;
  readonly atMs: number;
  /** atMs as ISO 8601 UTC. */
  readonly timestamp: string;
  readonly dedupKey: string;
  readonly audience: NotifyAlert['audience'];
  /** The alert's detail (the detector's threshold and evidence …); over the bound: `{ truncated: true, head }`. */
  readonly evidence?: Readonly<Record<string, unknown>>;
}

const MESSAGE_MAX_CHARS = 1000;

/**
 * The alert as JSON-ready data, bounded: the message to 1000 characters and the detail to `evidenceMaxChars` of
 * JSON, so one alert with a huge evidence never makes a huge request, mail or outbox row.
 */
export function alertPayload(alert: NotifyAlert, evidenceMaxChars: number): AlertPayload {
  const evidence = boundedDetail(alert.detail, evidenceMaxChars);
  return {
    id: alert.id,
    code: alert.code,
    severity: alert.severity,
    message: alert.message.length > MESSAGE_MAX_CHARS ? `${alert.message.slice(0, MESSAGE_MAX_CHARS - 1)}…` : alert.message,
    count: alert.count,
    atMs: alert.atMs,
    timestamp: new Date(alert.atMs).toISOString(),
    dedupKey: alert.dedupKey,
    audience: alert.audience,
    ...(evidence ? { evidence } : {}),
  };
}

function boundedDetail(detail: NotifyAlert['detail'], maxChars: number): Readonly<Record<string, unknown>> | undefined {
  if (detail === undefined || Object.keys(detail).length === 0) return undefined;
  const json = JSON.stringify(detail);
  if (json.length <= maxChars) return detail;
  return { truncated: true, head: json.slice(0, Math.max(0, maxChars - 40)) };
}
