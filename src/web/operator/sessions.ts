/**
 * Logged-in operators: random session ids (the cookie) with a CSRF token each, expiring on the server too, in a bounded
 * map (a LAN that logs in again and again pushes out the oldest session, never the memory).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface OperatorSession {
  readonly id: string;
  readonly csrfToken: string;
  readonly expiresAtMs: number;
  readonly clientAddress: string;
}

/** The session cookie's name. */
export const sessionCookieName = 'evse_operator';

export class OperatorSessions {
  private readonly sessions = new Map<string, OperatorSession>();

  constructor(
    private readonly nowMs: () => number,
    readonly lifetimeMs: number,
    private readonly max: number,
  ) {}

  create(clientAddress: string): OperatorSession {
    this.dropExpired();
    while (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next();
      if (oldest.done === true) break;
      this.sessions.delete(oldest.value);
    }
    const session: OperatorSession = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAtMs: this.nowMs() + this.lifetimeMs,
      clientAddress,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of a cookie value, or null (unknown or expired: an expired one is forgotten). */
  find(id: string | null): OperatorSession | null {
    if (id === null) return null;
    const session = this.sessions.get(id);
    if (session === undefined) return null;
    if (session.expiresAtMs <= this.nowMs()) {
      this.sessions.delete(id);
      return null;
    }
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private dropExpired(): void {
    const now = this.nowMs();
    for (const [id, s] of this.sessions) if (s.expiresAtMs <= now) this.sessions.delete(id);
  }
}

/** Whether `sent` is the session's CSRF token, compared in constant time. */
export function csrfMatches(session: OperatorSession, sent: string | undefined): boolean {
  if (sent === undefined) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
