/**
 * The session recorder port. Its definition lives with the control core (`src/control/session-port.ts`), because
 * the charger's runner calls it and `src/control` may not import `src/session`; this module names it for the rest.
 * The SQLite journal (`src/journal`) implements it; `MemoryRecorder` is the in-process implementation.
 */
export type {
  SessionRecorder,
  SessionStart,
  SessionStop,
  SessionEventKind,
  SessionEventRecord,
  StopReason,
} from '../control/session-port.js';
