/**
 * The cable lock's motor with its position switch: the feedback follows the actuator line after the motor's run time
 * (`lockTimeMs` both ways). `jammed` keeps the feedback where it is whatever the actuator does. Time is passed in.
 */
export class LockMotorModel {
  private actuator = false;
  private locked = false;
  private arriveAtMs: number | null = null;
  private jammedFault = false;

  constructor(private readonly lockTimeMs: number) {}

  /** Whether the position switch reports locked. */
  get feedbackLocked(): boolean {
    return this.locked;
  }

  get actuatorActive(): boolean {
    return this.actuator;
  }

  get jammed(): boolean {
    return this.jammedFault;
  }

  /** Sets the actuator from its line at `nowMs` (a change restarts the run), then advances to `nowMs`. */
  update(nowMs: number, actuatorActive: boolean): void {
    if (actuatorActive !== this.actuator) {
      this.actuator = actuatorActive;
      this.arriveAtMs = actuatorActive === this.locked ? null : nowMs + this.lockTimeMs;
    }
    if (this.arriveAtMs !== null && nowMs >= this.arriveAtMs && !this.jammedFault) {
      this.locked = this.actuator;
      this.arriveAtMs = null;
    }
  }

  /** `lock-jammed`: the feedback never follows while set; cleared, the motor runs again from `nowMs`. */
  setJammed(active: boolean, nowMs: number): void {
    this.jammedFault = active;
    if (!active && this.actuator !== this.locked) this.arriveAtMs = nowMs + this.lockTimeMs;
  }
}
