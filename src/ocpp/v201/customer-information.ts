/**
 * N09/N10 CustomerInformation for OCPP 2.0.1: what the station holds about one customer's token, reported in
 * NotifyCustomerInformation parts (seqNo from 0, tbc on all but the last), and on `clear` its authorization-cache
 * entry removed and the token replaced by a pseudonym in the journal (Journal.forgetIdTag: sessions keep their energy,
 * times and cost, as billing records, under a random pseudonym; alerts, operator actions and settled outbox rows lose
 * the token too; rows still to deliver keep it, the CSMS knows it). The station keeps no separate local authorization
 * list for 2.0.1 and no customer certificates. The report's parts go through the journal's outbox (optional lane, in
 * order): a report cut by an outage resumes where it stopped, its seqNo, tbc and generatedAt as made.
 */
import type { Clock } from '../../clock.js';
import type { JournalReader, KeyValueStore } from '../../journal/ports.js';
import type { ForgottenIdTag } from '../../journal/types.js';
import type { Logger } from '../../logger.js';
import type { InboundHandler } from '../connection.js';
import { AUTH_CACHE_201_NAMESPACE } from './authorization/auth-cache.js';

/** NotifyCustomerInformation.data's schema limit. */
export const DATA_MAX_CHARS = 512;
export const NO_INFORMATION = 'No information';

export interface CustomerInformationDeps {
  readonly kv: KeyValueStore;
  /** The journal's sessions (absent: the station reports none). */
  readonly sessions?: Pick<JournalReader, 'sessions'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Queues a NotifyCustomerInformation part in the journal's outbox (resolves once durable). */
  readonly queue: (kind: 'NotifyCustomerInformation', payload: Record<string, unknown>) => Promise<void>;
  /** Replaces the token by a pseudonym in the journal (absent: no journal, nothing to mask). */
  readonly forgetIdTag?: (idTag: string) => Promise<ForgottenIdTag>;
}

/** Lines joined by newlines into parts of at most `max` characters; a longer line is cut into pieces. */
export function packLines(lines: readonly string[], max = DATA_MAX_CHARS): string[] {
  const parts: string[] = [];
  let current = '';
  for (const line of lines) {
    for (let piece = 0; piece < Math.max(1, Math.ceil(line.length / max)); piece += 1) {
      const chunk = line.slice(piece * max, (piece + 1) * max);
      if (current === '') current = chunk;
      else if (current.length + 1 + chunk.length <= max) current += `\n${chunk}`;
      else {
        parts.push(current);
        current = chunk;
      }
    }
  }
  if (current !== '') parts.push(current);
  return parts;
}

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

export class CustomerInformation {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: CustomerInformationDeps) {}

  handlers(): Record<string, InboundHandler> {
    return { CustomerInformation: (params) => this.handle(params) };
  }

  /** The running report/clear work (tests await it). */
  settled(): Promise<void> {
    return this.queue;
  }

  private handle(params: Record<string, unknown>): Record<string, unknown> {
    const requestId = params['requestId'] as number;
    const report = params['report'] === true;
    const clear = params['clear'] === true;
    const idToken = (params['idToken'] as { idToken?: unknown } | undefined)?.idToken;
    const customerIdentifier = params['customerIdentifier'];
    const hasCertificate = params['customerCertificate'] !== undefined;
    if (idToken === undefined && customerIdentifier === undefined && !hasCertificate) {
      return { status: 'Rejected', statusInfo: { reasonCode: 'MissingParam', additionalInfo: 'one of idToken, customerIdentifier or customerCertificate' } };
    }
    if (!report && !clear) return { status: 'Rejected', statusInfo: { reasonCode: 'InvalidValue', additionalInfo: 'neither report nor clear asked' } };
    // A customerIdentifier names the customer by the token the station saw (it keeps no other customer id); a
    // certificate matches nothing here (no customer certificates are kept).
    const token = typeof idToken === 'string' ? idToken : typeof customerIdentifier === 'string' ? customerIdentifier : null;
    const work = async (): Promise<void> => {
      // The answer leaves first; NotifyCustomerInformation follows it.
      await new Promise<void>((resolve) => this.deps.clock.setTimeout(resolve, 10));
      if (report) await this.report(requestId, token, clear);
      if (clear && token !== null) await this.clear(token);
    };
    this.queue = this.queue.then(work).catch((err: unknown) => this.deps.logger.error({ requestId, error: (err as Error).message }, 'CustomerInformation failed'));
    return { status: 'Accepted' };
  }

  /** What the station holds about `token`, one fact a line (empty: nothing). */
  async facts(token: string): Promise<string[]> {
    const lines: string[] = [];
    const cached = (await this.deps.kv.get(AUTH_CACHE_201_NAMESPACE, token)) as { status?: unknown; expiresAtMs?: unknown; groupIdToken?: unknown } | undefined | null;
    if (cached !== undefined && cached !== null) {
      const expires = typeof cached.expiresAtMs === 'number' ? iso(cached.expiresAtMs) : 'never';
      const group = typeof cached.groupIdToken === 'string' ? ` group ${cached.groupIdToken}` : '';
      lines.push(`authorization cache: ${String(cached.status)}${group}, expires ${expires}`);
    }
    const sessions = (await this.deps.sessions?.sessions({ fromMs: 0, toMs: Number.MAX_SAFE_INTEGER })) ?? [];
    for (const s of sessions) {
      if (s.idTag !== token) continue;
      const wh = s.meterStopWh === null ? 'running' : `${s.meterStopWh - s.meterStartWh} Wh`;
      lines.push(`session ${s.id}: start ${iso(s.startAtMs)} stop ${iso(s.stopAtMs)} energy ${wh}${s.stopReason ? ` reason ${s.stopReason}` : ''}`);
    }
    return lines;
  }

  private async report(requestId: number, token: string | null, clear: boolean): Promise<void> {
    const facts = token === null ? [] : await this.facts(token);
    const hasSessions = facts.some((l) => l.startsWith('session '));
    const onClear = this.deps.forgetIdTag
      ? 'sessions stay in the journal as billing records under a pseudonym (the token is removed)'
      : 'sessions stay in the journal as billing records (not cleared)';
    const lines = facts.length === 0 ? [NO_INFORMATION] : [...facts, ...(clear && hasSessions ? [onClear] : [])];
    const parts = packLines(lines);
    const generatedAt = new Date(this.deps.clock.nowMs()).toISOString();
    // Every part is made (and generatedAt fixed) now; the outbox delivers them in order, once each.
    for (const [seqNo, data] of parts.entries()) {
      await this.deps.queue('NotifyCustomerInformation', { data, seqNo, generatedAt, requestId, tbc: seqNo < parts.length - 1 });
    }
  }

  private async clear(token: string): Promise<void> {
    await this.deps.kv.delete(AUTH_CACHE_201_NAMESPACE, token);
    const forgotten = await this.deps.forgetIdTag?.(token);
    // The log names neither the token nor the pseudonym: only how much was rewritten.
    this.deps.logger.info(
      { sessions: forgotten?.sessions ?? 0, alerts: forgotten?.alerts ?? 0, pendingOutboxKept: forgotten?.pendingOutboxKept ?? 0 },
      'CustomerInformation: a token was cleared (authorization cache, journal)',
    );
  }
}
