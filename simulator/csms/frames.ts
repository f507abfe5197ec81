/** One OCPP-J frame as the bench CSMS saw it. */
export interface RecordedFrame {
  readonly atMs: number;
  /** Station identity of the connection. */
  readonly identity: string;
  /** True when the CSMS sent it. */
  readonly outbound: boolean;
  readonly type: 'CALL' | 'CALLRESULT' | 'CALLERROR' | 'BAD';
  readonly messageId: string;
  /** The call's method; for results and errors, the method of the call they answer (when known). */
  readonly method: string | null;
  /** CALL params, CALLRESULT payload, or CALLERROR `{ code, description, details }`. */
  readonly payload: unknown;
  readonly raw: string;
}

/** Parses frames into records; remembers call ids so answers carry the method they answer. */
export class FrameRecorder {
  private readonly methodById = new Map<string, string>();

  /** Parses one frame (never throws: a malformed frame is recorded as BAD). */
  record(identity: string, raw: string, outbound: boolean): RecordedFrame {
    const base = { atMs: Date.now(), identity, outbound, raw };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { ...base, type: 'BAD', messageId: '', method: null, payload: null };
    }
    if (!Array.isArray(parsed) || typeof parsed[1] !== 'string') return { ...base, type: 'BAD', messageId: '', method: null, payload: parsed };
    const frame = parsed as unknown[];
    const kind = frame[0];
    const messageId = parsed[1];
    const third = frame[2];
    if (kind === 2 && typeof third === 'string') {
      this.methodById.set(messageId, third);
      return { ...base, type: 'CALL', messageId, method: third, payload: frame[3] };
    }
    const method = this.methodById.get(messageId) ?? null;
    this.methodById.delete(messageId);
    if (kind === 3) return { ...base, type: 'CALLRESULT', messageId, method, payload: third };
    if (kind === 4) {
      return { ...base, type: 'CALLERROR', messageId, method, payload: { code: third, description: frame[3], details: frame[4] } };
    }
    return { ...base, type: 'BAD', messageId, method: null, payload: parsed };
  }
}
