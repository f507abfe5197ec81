import type { MeterSample } from '../../hal/meter.js';
import type {
  SessionEventRecord,
  SessionRecorder,
  SessionStart,
  SessionStop,
} from './recorder.js';

/** A session as the memory recorder keeps it. */
export interface RecordedSession {
  readonly id: number;
  readonly start: SessionStart;
  stop: SessionStop | null;
  unplugAtMs: number | null;
  readonly samples: MeterSample[];
  readonly events: SessionEventRecord[];
}

/**
 * Keeps sessions in memory. For unit tests and for `evse sim` runs without a state directory; it makes nothing durable,
 * so the station built on it says so in its log. `failWith` makes every call reject, to test the journal-unavailable path.
 */
export class MemoryRecorder implements SessionRecorder {
  readonly sessions: RecordedSession[] = [];
  failWith: Error | null = null;

  startSession(start: SessionStart): Promise<number> {
    if (this.failWith) return Promise.reject(this.failWith);
    const id = this.sessions.length + 1;
    this.sessions.push({ id, start, stop: null, unplugAtMs: null, samples: [], events: [] });
    return Promise.resolve(id);
  }

  recordSample(sessionId: number, sample: MeterSample): Promise<void> {
    return this.with(sessionId, (s) => s.samples.push(sample));
  }

  recordEvent(sessionId: number, event: SessionEventRecord): Promise<void> {
    return this.with(sessionId, (s) => s.events.push(event));
  }

  stopSession(sessionId: number, stop: SessionStop): Promise<void> {
    return this.with(sessionId, (s) => {
      if (s.stop) throw new Error(`session ${sessionId} stopped twice`);
      s.stop = stop;
    });
  }

  recordUnplug(sessionId: number, atMs: number): Promise<void> {
    return this.with(sessionId, (s) => {
      s.unplugAtMs = atMs;
    });
  }

  private with(sessionId: number, fn: (s: RecordedSession) => void): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    const session = this.sessions.find((s) => s.id === sessionId);
    if (!session) return Promise.reject(new Error(`unknown session ${sessionId}`));
    try {
      fn(session);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
