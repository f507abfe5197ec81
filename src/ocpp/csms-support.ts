/**
 * What the CSMS said it does not implement. A CSMS that answers NotImplemented or NotSupported to an optional
 * message (the security whitepaper's SecurityEventNotification, a vendor DataTransfer, StatusNotification) will answer
 * the same next time: the station remembers it in the journal, keyed by the CSMS (URL and station identity), and does
 * not send that kind to it again. That is not a fault of the station: no alert, no dead letter. A different CSMS
 * (the URL or identity changed) starts with a clean slate.
 */
import type { KeyValueStore, OutboxKind } from '../journal/ports.js';
import { optionalKinds } from '../journal/ports.js';
import type { Logger } from '../logger.js';

export const csmsSupportNamespace = 'ocpp.csmsSupport';
const unsupportedKey = 'unsupportedCalls';

/** The CALLERROR codes that mean "this CSMS does not do that", as opposed to "not now". */
export function meansUnsupported(code: string): boolean {
  return code === 'NotImplemented' || code === 'NotSupported';
}

interface Stored {
  readonly csms: string;
  readonly kinds: readonly string[];
}

function parseStored(value: unknown): Stored | null {
  if (value === null || typeof value !== 'object') return null;
  const { csms, kinds } = value as Record<string, unknown>;
  if (typeof csms !== 'string' || !Array.isArray(kinds) || !kinds.every((k) => typeof k === 'string')) return null;
  return { csms, kinds };
}

export class CsmsSupport {
  private readonly unsupported = new Set<OutboxKind>();

  private constructor(
    private readonly kv: KeyValueStore | null,
    private readonly csms: string,
    private readonly logger: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /**
   * Loads what was remembered about `csms` (e.g. `${url}/${identity}`). What was remembered about another CSMS is
   * forgotten. Without a store (tests), it remembers for this process only.
   */
  static async load(kv: KeyValueStore | null, csms: string, logger: Pick<Logger, 'info' | 'warn'>): Promise<CsmsSupport> {
    const support = new CsmsSupport(kv, csms, logger);
    if (!kv) return support;
    const stored = parseStored(await kv.get(csmsSupportNamespace, unsupportedKey));
    if (stored === null) return support;
    if (stored.csms !== csms) {
      logger.info({ was: stored.csms, now: csms }, 'another CSMS: forgetting which optional messages the last one did not implement');
      await kv.delete(csmsSupportNamespace, unsupportedKey);
      return support;
    }
    for (const kind of stored.kinds) if (optionalKinds.has(kind as OutboxKind)) support.unsupported.add(kind as OutboxKind);
    return support;
  }

  /** True when this CSMS said it does not implement `kind`. */
  isUnsupported(kind: OutboxKind): boolean {
    return this.unsupported.has(kind);
  }

  /** The CSMS answered `code` (NotImplemented / NotSupported) to an optional `kind`: remembered, durably when possible. */
  async remember(kind: OutboxKind, code: string): Promise<void> {
    if (!optionalKinds.has(kind) || this.unsupported.has(kind)) return;
    this.unsupported.add(kind);
    this.logger.info({ kind, code, csms: this.csms }, 'the CSMS does not implement this optional message; it will not be sent to it again');
    if (!this.kv) return;
    try {
      await this.kv.set(csmsSupportNamespace, unsupportedKey, { csms: this.csms, kinds: [...this.unsupported] });
    } catch (err) {
      // Remembered for this process; the worst case after a reboot is one more refused message.
      this.logger.warn({ kind, error: (err as Error).message }, 'could not journal what the CSMS does not implement');
    }
  }
}
