import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly user: string | undefined;
  /** The session ran over TLS (STARTTLS or implicit). */
  readonly secure: boolean;
  readonly subject: string;
  readonly contentType: string;
  /** The text part, decoded (quoted-printable, base64 or 7bit). */
  readonly text: string;
  readonly raw: string;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A single-part text mail as nodemailer writes it: headers (unfolded), then the decoded body. */
export function parseMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(split + 4);
  const cte = headers.get('content-transfer-encoding')?.toLowerCase();
  if (cte === 'quoted-printable') body = decodeQuotedPrintable(body);
  else if (cte === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

/**
 * A real SMTP server in process (smtp-server) on loopback: STARTTLS with the test PKI's certificate, AUTH required
 * (PLAIN/LOGIN, only after TLS), records every accepted mail. `rejectNext` answers the next DATA with a 451.
 */
export class SmtpListener {
  readonly mails: ReceivedMail[] = [];
  readonly authFailures: string[] = [];
  rejectNext = 0;
  private server: SMTPServer | null = null;

  constructor(
    readonly port: number,
    private readonly tls: { key: string; cert: string },
    private readonly users: Readonly<Record<string, string>>,
  ) {}

  start(): Promise<void> {
    const options: SMTPServerOptions = {
      key: this.tls.key,
      cert: this.tls.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth: (auth, _session, cb) => {
        if (auth.username !== undefined && this.users[auth.username] === auth.password) cb(null, { user: auth.username });
        else {
          this.authFailures.push(auth.username ?? '');
          cb(new Error('Invalid username or password'));
        }
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.rejectNext > 0) {
            this.rejectNext -= 1;
            const err = Object.assign(new Error('try again later'), { responseCode: 451 });
            cb(err);
            return;
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const { headers, body } = parseMail(raw);
          this.mails.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            secure: session.secure,
            subject: headers.get('subject') ?? '',
            contentType: headers.get('content-type') ?? '',
            text: body,
            raw,
          });
          cb();
        });
      },
    };
    const server = new SMTPServer(options);
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
