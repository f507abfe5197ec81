import { createHmac } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { WebhookConfig } from './config.js';
import { alertPayload } from './payload.js';
import type { AlertChannel, DeliveryFailure, DeliveryResult, NotifyAlert } from './types.js';

export const SIGNATURE_HEADER = 'X-EVSE-Signature';
export const DELIVERY_HEADER = 'X-EVSE-Delivery';
const EVIDENCE_MAX_CHARS = 8000;

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the secret, as GitHub's X-Hub-Signature-256. */
export function signatureOf(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The webhook's address as it may be logged: its origin only (a path or query often holds a token). */
export function loggableWebhook(url: string): string {
  return new URL(url).origin;
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Statuses worth a retry: the receiver is busy or broken now, not refusing this alert. */
function transient(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * POSTs each alert as one JSON request, signed. 2xx is delivered; 5xx, 408, 429 and network errors are retried
 * with the dispatcher's backoff (at least the receiver's Retry-After); any other status (4xx, a 3xx: redirects are not
 * followed, the signed body goes only where configured) means the receiver refuses it: after a few tries the
 * dispatcher drops that one alert.
 */
export class WebhookAlertChannel implements AlertChannel {
  readonly name = 'webhook';
  private readonly aborts = new Set<AbortController>();

  constructor(
    private readonly config: WebhookConfig,
    private readonly stationId: string,
    private readonly log: Logger,
  ) {}

  async send(alerts: readonly NotifyAlert[]): Promise<DeliveryResult> {
    let done = 0;
    for (const alert of alerts) {
      const failure = await this.post(alert);
      if (failure) return { done, failure };
      done += 1;
    }
    return { done };
  }

  close(): Promise<void> {
    for (const a of this.aborts) a.abort();
    return Promise.resolve();
  }

  /** The exact bytes sent (and signed) for one alert. */
  body(alert: NotifyAlert): Buffer {
    return Buffer.from(JSON.stringify({ stationId: this.stationId, ...alertPayload(alert, EVIDENCE_MAX_CHARS) }), 'utf8');
  }

  private async post(alert: NotifyAlert): Promise<DeliveryFailure | null> {
    const body = this.body(alert);
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(), this.config.timeoutS * 1000);
    try {
      const res = await fetch(this.config.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: abort.signal,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'evse-controller-alerts',
          [SIGNATURE_HEADER]: signatureOf(body, this.config.secret),
          [DELIVERY_HEADER]: `${this.stationId}-${alert.id}`,
        },
      });
      // The answer's body is not needed, but must be read for the connection to be reused.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return null;
      const error = `HTTP ${res.status} from ${loggableWebhook(this.config.url)}`;
      if (transient(res.status)) {
        const after = retryAfterMs(res.headers.get('retry-after'), Date.now());
        return { error, ...(after !== null ? { retryAfterMs: after } : {}) };
      }
      this.log.warn({ alert: alert.id, status: res.status, url: loggableWebhook(this.config.url) }, 'webhook receiver refused the alert');
      return { error, refused: true };
    } catch (err) {
      const cause = (err as { cause?: { code?: unknown } }).cause?.code;
      const why = abort.signal.aborted ? `no answer within ${this.config.timeoutS} s` : typeof cause === 'string' ? cause : (err as Error).message;
      return { error: `webhook ${loggableWebhook(this.config.url)}: ${why}` };
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }
}
