import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../logger.js';
import type { EmailConfig } from './config.js';
import type { AlertChannel, DeliveryResult, NotifyAlert } from './types.js';

const EVIDENCE_MAX_CHARS = 2000;
const MESSAGE_MAX_CHARS = 2000;

/** Text from outside (id tags, CSMS texts in a message) as one safe line or paragraph: no control characters. */
function plain(text: string, keepNewlines: boolean): string {
  // eslint-disable-next-line no-control-regex -- exactly the control characters are what is removed
  return text.replace(keepNewlines ? /[\u0000-\u0008\u000b-\u001f\u007f]/g : /[\u0000-\u001f\u007f]/g, ' ');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The subject of a mail carrying `alerts` (one: its severity and code; several: how many). */
export function mailSubject(alerts: readonly NotifyAlert[], stationId: string): string {
  const station = plain(stationId, false);
  if (alerts.length === 1) {
    const a = alerts[0]!;
    return clip(`[EVSE ${station}] ${a.severity}: ${plain(a.code, false)}`, 200);
  }
  return `${alerts.length} alerts at station ${station}`;
}

/** The plain-text body: one block per alert (what, when, how often, the message, its evidence). Never HTML. */
export function mailText(alerts: readonly NotifyAlert[], stationId: string): string {
  const blocks = alerts.map((a) => {
    const lines = [
      `[${a.severity}] ${plain(a.code, false)} (alert #${a.id}${a.count > 1 ? `, raised ${a.count} times` : ''}${a.audience === 'driver' ? ', driver event' : ''})`,
      `at ${new Date(a.atMs).toISOString()}`,
      clip(plain(a.message, true), MESSAGE_MAX_CHARS),
    ];
    if (a.detail !== undefined && Object.keys(a.detail).length > 0) lines.push(`evidence: ${clip(plain(JSON.stringify(a.detail), false), EVIDENCE_MAX_CHARS)}`);
    return lines.join('\n');
  });
  const head = alerts.length === 1 ? `Station ${plain(stationId, false)} raised an alert:` : `Station ${plain(stationId, false)} raised ${alerts.length} alerts:`;
  return `${head}\n\n${blocks.join('\n\n')}\n\n-- \nevse-controller: alerts are listed with "evse alerts list" on the station.\n`;
}

/**
 * Email over SMTP (nodemailer): alerts that come within `digestWindowS` of the first go in one mail (a digest), and
 * a mail that fails is retried whole, with the dispatcher's backoff. TLS is required (STARTTLS or TLS from the
 * start); the password goes to the SMTP server only.
 */
export class EmailAlertChannel implements AlertChannel {
  readonly name = 'email';
  readonly gatherMs: number;
  private readonly transport: Transporter;

  constructor(
    private readonly config: EmailConfig,
    private readonly stationId: string,
    private readonly log: Logger,
  ) {
    this.gatherMs = config.digestWindowS * 1000;
    let ca: Buffer | undefined;
    if (config.caFile !== undefined) {
      try {
        ca = readFileSync(config.caFile);
      } catch (err) {
        log.error({ caFile: config.caFile, err: (err as Error).message }, 'alerts.email.caFile unreadable: using the system CAs');
      }
    }
    this.transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure === 'tls',
      requireTLS: config.secure === 'starttls',
      ...(config.username !== undefined ? { auth: { user: config.username, pass: config.password ?? '' } } : {}),
      ...(ca ? { tls: { ca } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      logger: false,
      debug: false,
    });
  }

  async send(alerts: readonly NotifyAlert[]): Promise<DeliveryResult> {
    try {
      const info = (await this.transport.sendMail({
        from: this.config.from,
        to: this.config.to,
        subject: mailSubject(alerts, this.stationId),
        text: mailText(alerts, this.stationId),
      })) as { messageId?: string };
      this.log.info({ alerts: alerts.length, messageId: info.messageId }, 'alert mail sent');
      return { done: alerts.length };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { done: 0, failure: { error: `smtp ${this.config.host}:${this.config.port}: ${typeof code === 'string' ? `${code} ` : ''}${(err as Error).message}` } };
    }
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}
