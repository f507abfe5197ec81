import { isIP } from 'node:net';
import { z } from 'zod';
import { parsePasswordHash, passwordHashFormat } from './operator/password.js';

/** A host name or an IP address to listen on (no scheme, no port). */
const listenHost = z
  .string()
  .min(1)
  .refine((h) => isIP(h) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(h), {
    message: 'must be an IP address or a host name such as "127.0.0.1", "0.0.0.0" or "::"',
  });

/**
 * The local status page and its JSON API (`src/web`). Without `operatorPasswordHash` it only reads: nothing on it starts,
 * stops or changes a session (a driver's feedback is stored, nothing else).
 * The default listens on loopback; set `host` to "0.0.0.0" to show it to the station's LAN (id tags are masked).
 */
export const webConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: listenHost.default('127.0.0.1'),
    /** 0 picks a free port (tests). */
    port: z.number().int().min(0).max(65535).default(8080),
    /** Prometheus metrics at `/metrics` on the same server (docs/METRICS.md). */
    metrics: z.boolean().default(true),
    /**
     * The operator's password as an scrypt hash (`evse config hash-password` prints one). Set: the /operator page and its
     * action routes exist; absent: the page stays read-only and those routes do not exist at all.
     */
    operatorPasswordHash: z
      .string()
      .refine((text) => parsePasswordHash(text) !== null, { message: `must be an scrypt hash in the form ${passwordHashFormat}` })
      .optional(),
  })
  .strict();

export type WebConfig = z.infer<typeof webConfigSchema>;

/** The host part of a URL that reaches a server listening on `host`: a wildcard address is reached on loopback. */
export function browsableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
