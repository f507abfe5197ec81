/** Keys remembered at most; the ones quiet longest are forgotten first (a bounded map, whatever the detectors emit). */
const MAX_KEYS = 1000;

/**
 * One alert per dedup key while the condition persists: a key seen again within `quietMs` of its last sighting is the
 * same finding; after a quiet time as long it is a new one.
 */
export class Dedup {
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly quietMs: number) {}

  /** True when this key is new (or came back after the quiet time); records the sighting either way. */
  admit(key: string, monoMs: number): boolean {
    const last = this.lastSeen.get(key);
    this.lastSeen.delete(key);
    this.lastSeen.set(key, monoMs);
    if (this.lastSeen.size > MAX_KEYS) this.lastSeen.delete(this.lastSeen.keys().next().value as string);
    return last === undefined || monoMs - last > this.quietMs;
  }
}
