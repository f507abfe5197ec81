/**
 * Facts of 2.0.1 sessions the journal's session row does not hold, kept in the journal's key-value store so a
 * reboot keeps them: a remote start's remoteStartId (F01/F02: the Started event carries it), a stop by master pass
 * (C16: stoppedReason MasterPass), whether the EV is away from a kept transaction (E10: its Ended says Idle), and the type of an id token (a remote start's token keeps its type, a card tap is
 * ISO14443). Read synchronously from memory (loaded at start), written through to the journal.
 */
import type { KeyValueStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import type { SessionFacts } from './wire.js';
import type { IdTokenKind } from './types.js';

export const SESSION_FACTS_NAMESPACE = 'ocpp201.sessionFacts';

const TOKEN_TYPES: ReadonlySet<string> = new Set(['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization']);
/** Token types remembered at most (the oldest goes first). */
const MAX_TOKENS = 200;

interface PendingRemoteStart {
  readonly idTag: string;
  readonly remoteStartId: number;
  readonly atMs: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export class SessionFactsStore implements SessionFacts {
  private pending: PendingRemoteStart | null = null;
  private readonly remoteStarts = new Map<number, number>();
  private readonly masterPass = new Set<number>();
  /** E10: sessions whose EV left while the station keeps the transaction, until it is back. */
  private readonly away = new Set<number>();
  private readonly tokenTypes = new Map<string, IdTokenKind>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly logger: Logger,
    /** How long a remote start waits for its session (TxCtrlr.EVConnectionTimeOut), ms. */
    private readonly remoteStartWindowMs: () => number,
  ) {}

  /** Reads what the journal holds (ignoring entries it cannot read: external input). */
  async load(): Promise<void> {
    const entries = await this.kv.list(SESSION_FACTS_NAMESPACE);
    for (const [key, value] of entries) {
      const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      if (kind === 'remote' && typeof value === 'number') this.remoteStarts.set(Number(id), value);
      else if (kind === 'master' && value === true) this.masterPass.add(Number(id));
      else if (kind === 'away' && value === true) this.away.add(Number(id));
      else if (kind === 'token' && typeof value === 'string' && TOKEN_TYPES.has(value)) this.tokenTypes.set(id, value as IdTokenKind);
      else if (key === 'pending' && isObject(value) && typeof value['idTag'] === 'string' && typeof value['remoteStartId'] === 'number' && typeof value['atMs'] === 'number') {
        this.pending = { idTag: value['idTag'], remoteStartId: value['remoteStartId'], atMs: value['atMs'] };
      }
    }
  }

  private write(key: string, value: unknown): void {
    const done = value === undefined ? this.kv.delete(SESSION_FACTS_NAMESPACE, key) : this.kv.set(SESSION_FACTS_NAMESPACE, key, value);
    done.catch((err: unknown) => this.logger.error({ key, error: (err as Error).message }, 'could not journal a 2.0.1 session fact'));
  }

  /** RequestStartTransaction accepted: the next session of this token started within the window carries the id. */
  rememberRemoteStart(idTag: string, remoteStartId: number, type: IdTokenKind, atMs: number): void {
    this.pending = { idTag, remoteStartId, atMs };
    this.write('pending', this.pending);
    this.rememberTokenType(idTag, type);
  }

  rememberTokenType(idTag: string, type: IdTokenKind): void {
    if (this.tokenTypes.get(idTag) === type) return;
    this.tokenTypes.delete(idTag);
    this.tokenTypes.set(idTag, type);
    this.write(`token:${idTag}`, type);
    if (this.tokenTypes.size > MAX_TOKENS) {
      const oldest = this.tokenTypes.keys().next().value;
      if (oldest !== undefined) {
        this.tokenTypes.delete(oldest);
        this.write(`token:${oldest}`, undefined);
      }
    }
  }

  markMasterPass(sessionId: number): void {
    this.masterPass.add(sessionId);
    this.write(`master:${sessionId}`, true);
  }

  /**
   * The remoteStartId of a session: bound once (the first time its Start is rendered) from the pending remote start
   * of the same token, made before the session started and within the window.
   */
  remoteStartId(sessionId: number, idTag?: string | null, startAtMs?: number): number | undefined {
    const bound = this.remoteStarts.get(sessionId);
    if (bound !== undefined) return bound;
    const pending = this.pending;
    if (!pending || idTag !== pending.idTag || startAtMs === undefined) return undefined;
    if (startAtMs < pending.atMs || startAtMs - pending.atMs > this.remoteStartWindowMs()) return undefined;
    this.remoteStarts.set(sessionId, pending.remoteStartId);
    this.write(`remote:${sessionId}`, pending.remoteStartId);
    this.pending = null;
    this.write('pending', undefined);
    return pending.remoteStartId;
  }

  stoppedByMasterPass(sessionId: number): boolean {
    return this.masterPass.has(sessionId);
  }

  /** E10: the EV left the kept transaction (true) or came back to it (false); journaled, so a reboot keeps it. */
  markEvAway(sessionId: number, away: boolean): void {
    if (this.away.has(sessionId) === away) return;
    if (away) this.away.add(sessionId);
    else this.away.delete(sessionId);
    this.write(`away:${sessionId}`, away ? true : undefined);
  }

  evAway(sessionId: number): boolean {
    return this.away.has(sessionId);
  }

  /**
   * A card tapped at the reader is ISO14443, whatever type a remote start once gave the same string; only a session
   * a remote start began carries that start's type (Central …). Without a session: the remembered type.
   */
  idTokenType(idTag: string, sessionId?: number): IdTokenKind {
    if (sessionId !== undefined && !this.remoteStarts.has(sessionId)) return 'ISO14443';
    return this.tokenTypes.get(idTag) ?? 'ISO14443';
  }

  /** The transaction ended and the CSMS has its Ended: its facts are no longer needed. */
  forget(sessionId: number): void {
    if (this.remoteStarts.delete(sessionId)) this.write(`remote:${sessionId}`, undefined);
    if (this.masterPass.delete(sessionId)) this.write(`master:${sessionId}`, undefined);
    if (this.away.delete(sessionId)) this.write(`away:${sessionId}`, undefined);
  }
}
