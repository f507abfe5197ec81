/**
 * Commands from home automation (only with `mqtt.commands: true`): a current limit with a TTL and pause/resume.
 * Both act through the controller's external limit, the one smart charging uses: the offer governor takes the least
 * of the ratings and that limit and paces increases, so a command can never offer more than the station allows.
 * Pause is a limit of 0 A: below the 6 A minimum of IEC 61851-1 the state machine suspends (PWM off, contactor opened
 * after the EV stopped drawing), and the session stays open; resume lifts it. Pause has no TTL: it holds until resume.
 */
import { loadModes, type LoadMode } from '../control/load/load-manager.js';

export type CommandParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** A limit in A and how long it holds (null: the configured default TTL); `clear` lifts it. */
export type LimitCommand = { readonly kind: 'set'; readonly amps: number; readonly ttlS: number | null } | { readonly kind: 'clear' };

const MAX_TTL_S = 86_400;

/**
 * `set/current_limit`: a bare number of amperes (`16`), `none` or an empty payload to lift the limit, or JSON
 * `{"amps": 16, "ttlS": 600}`.
 */
export function parseLimitCommand(payload: string, maxA: number): CommandParse<LimitCommand> {
  const text = payload.trim();
  if (text === '' || text.toLowerCase() === 'none' || text.toLowerCase() === 'off') return { ok: true, value: { kind: 'clear' } };
  let amps: unknown;
  let ttlS: unknown = null;
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { ok: false, problem: 'not valid JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null) return { ok: false, problem: 'expected {"amps": n, "ttlS": n}' };
    const fields = parsed as Record<string, unknown>;
    const unknownKeys = Object.keys(fields).filter((k) => k !== 'amps' && k !== 'ttlS');
    if (unknownKeys.length > 0) return { ok: false, problem: `unknown field(s) ${unknownKeys.join(', ')}` };
    amps = fields['amps'];
    ttlS = fields['ttlS'] ?? null;
  } else {
    // Number('') and Number(' ') are 0, Number('0x10') is 16: accept plain decimals only.
    amps = /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  }
  if (typeof amps !== 'number' || !Number.isFinite(amps) || amps < 0 || amps > maxA) {
    return { ok: false, problem: `amps must be a number from 0 to ${maxA}` };
  }
  if (ttlS !== null && (typeof ttlS !== 'number' || !Number.isInteger(ttlS) || ttlS < 1 || ttlS > MAX_TTL_S)) {
    return { ok: false, problem: `ttlS must be a whole number of seconds from 1 to ${MAX_TTL_S}` };
  }
  return { ok: true, value: { kind: 'set', amps: Math.floor(amps * 10) / 10, ttlS } };
}

export type LoadModeCommand = LoadMode;

/** `set/load_mode`: one of {@link loadModes} (case-insensitive). */
export function parseLoadModeCommand(payload: string): CommandParse<LoadModeCommand> {
  const text = payload.trim().toLowerCase();
  const mode = loadModes.find((m) => m === text);
  return mode === undefined ? { ok: false, problem: `expected one of ${loadModes.join(', ')}` } : { ok: true, value: mode };
}

/** `set/charging`: `pause` or `resume` (case-insensitive). */
export function parseChargingCommand(payload: string): CommandParse<'pause' | 'resume'> {
  const text = payload.trim().toLowerCase();
  if (text === 'pause' || text === 'resume') return { ok: true, value: text };
  return { ok: false, problem: 'expected "pause" or "resume"' };
}

/** The controller's side of the commands. */
export interface LimitTarget {
  /** MQTT's limit is its own source: it never lifts (nor is lifted by) the CSMS's smart-charging limit. */
  setExternalLimit(limitA: number | null, source: 'home-automation'): void;
}

/**
 * Holds what MQTT asked for and applies the least of it to the external limit: pause (0 A) wins over a limit. A
 * limit's TTL runs on a real timer (unref'd); when it ends, the limit is lifted. Only a change is applied, and only
 * while MQTT has something in force or just lifted it, so the external limit of smart charging is left alone otherwise.
 */
export class MqttCommandState {
  private limitA: number | null = null;
  private paused = false;
  private ttlTimer: ReturnType<typeof setTimeout> | undefined;
  private applied: number | null = null;

  constructor(
    private readonly target: LimitTarget,
    private readonly defaultTtlS: number,
    private readonly changed: () => void,
  ) {}

  limit(): number | null {
    return this.limitA;
  }

  isPaused(): boolean {
    return this.paused;
  }

  applyLimit(command: LimitCommand): void {
    this.clearTimer();
    if (command.kind === 'clear') {
      this.limitA = null;
    } else {
      this.limitA = command.amps;
      this.ttlTimer = setTimeout(() => {
        this.ttlTimer = undefined;
        this.limitA = null;
        this.apply();
      }, (command.ttlS ?? this.defaultTtlS) * 1000);
      this.ttlTimer.unref();
    }
    this.apply();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.apply();
  }

  dispose(): void {
    this.clearTimer();
  }

  private apply(): void {
    const wanted = this.paused ? 0 : this.limitA;
    if (wanted !== this.applied) {
      this.applied = wanted;
      this.target.setExternalLimit(wanted, 'home-automation');
    }
    this.changed();
  }

  private clearTimer(): void {
    if (this.ttlTimer !== undefined) clearTimeout(this.ttlTimer);
    this.ttlTimer = undefined;
  }
}
