import { z } from 'zod';

const severity = z.enum(['info', 'warn', 'critical']);

/** What every channel has: on/off, the lowest severity it sends, and whether it carries the drivers' session events. */
function channelFields(defaults: { minSeverity: z.infer<typeof severity>; driverEvents: boolean }) {
  return {
    enabled: z.boolean().default(true),
    minSeverity: severity.default(defaults.minSeverity),
    /** Alerts of audience 'driver' (session started, charging complete, stopped with cost, fault in my session). */
    driverEvents: z.boolean().default(defaults.driverEvents),
  };
}

/** http(s) only: a webhook is an HTTP POST; `file:`, `ftp:`, `javascript:` … are a typo or an attack, never a receiver. */
const httpUrl = z
  .string()
  .max(2000)
  .refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol) && new URL(u).hostname !== '', {
    message: 'must be an http:// or https:// URL, such as "https://ops.example.com/evse-hook"',
  })
  // fetch refuses a URL with credentials in it, so every delivery would fail: the receiver checks the signature instead.
  .refine((u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''), {
    message: 'must not contain user:password@ (the receiver authenticates the body by its X-EVSE-Signature)',
  });

const email = z.email({ message: 'must be an email address, such as "ops@example.com"' }).max(254);

/**
 * The `alerts` section (issue 13, deliverable 2): which channels the journal's alerts go to. Absent, or a channel
 * absent: that channel is off. Secrets (`webhook.secret`, `email.password`) go only to their peer, never to a log.
 */
export const alertsConfigSchema = z
  .object({
    /** To the CSMS through the outbox: tampering as SecurityEventNotification, the rest as DataTransfer. Needs `ocpp.url`. */
    csms: z.object({ ...channelFields({ minSeverity: 'warn', driverEvents: false }) }).strict().optional(),
    webhook: z
      .object({
        ...channelFields({ minSeverity: 'info', driverEvents: false }),
        url: httpUrl,
        /** The HMAC-SHA256 key of `X-EVSE-Signature`; a receiver cannot trust an unsigned or empty-keyed body. */
        secret: z.string().min(1, { message: 'must not be empty: it is the key the receiver checks the signature with' }).max(1000),
        /** One request's time limit, seconds. */
        timeoutS: z.number().positive().max(120).default(10),
      })
      .strict()
      .optional(),
    email: z
      .object({
        ...channelFields({ minSeverity: 'warn', driverEvents: false }),
        host: z.string().min(1).max(253),
        port: z.number().int().min(1, { message: 'must be a TCP port, 1–65535' }).max(65535, { message: 'must be a TCP port, 1–65535' }).default(587),
        /** 'starttls': plain connect then STARTTLS, which is required (port 587). 'tls': TLS from the start (port 465). */
        secure: z.enum(['starttls', 'tls']).default('starttls'),
        username: z.string().min(1).max(200).optional(),
        password: z.string().max(500).optional(),
        /** PEM file of the CA that signed the SMTP server's certificate (a private relay); default: the system CAs. */
        caFile: z.string().min(1).optional(),
        from: email,
        to: z.union([email, z.array(email).min(1).max(20)]),
        /** Alerts within this many seconds of the first go in one mail; 0: one mail per alert. */
        digestWindowS: z.number().min(0).max(3600).default(60),
      })
      .strict()
      .optional(),
    /** `<baseTopic>/alert` on the `mqtt` section's broker (QoS 1, not retained). Home automation is the driver's own. */
    mqtt: z.object({ ...channelFields({ minSeverity: 'info', driverEvents: true }) }).strict().optional(),
  })
  .strict();

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
export type ChannelFilterConfig = Pick<NonNullable<AlertsConfig['csms']>, 'minSeverity' | 'driverEvents'>;
export type WebhookConfig = NonNullable<AlertsConfig['webhook']>;
export type EmailConfig = NonNullable<AlertsConfig['email']>;
