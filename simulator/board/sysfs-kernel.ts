import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardChip } from './options.js';
import type { PwmChannelView } from './pilot-circuit.js';
import type { SysfsTree } from './sysfs-tree.js';

type Raw = 0 | 1;

/** An exported GPIO line: the open attribute files and what the kernel knows about it. */
interface ExportedLine {
  readonly dir: string;
  readonly valueFd: number;
  readonly directionFd: number;
  readonly activeLowFd: number;
  readonly exportedAtMs: number;
  direction: 'in' | 'out';
  sysfsActiveLow: boolean;
  /** Raw level an output drives (meaningful while direction is out). */
  outRaw: Raw;
  /** The value character last seen in (or written to) the value file. */
  valueChar: string;
  /** The value character the kernel last wrote for an input, or null to force a write. */
  inputWritten: string | null;
}

/** An exported PWM channel. */
interface ExportedPwm {
  readonly dir: string;
  readonly fds: { period: number; duty: number; enable: number; polarity: number };
  readonly exportedAtMs: number;
  view: { enabled: boolean; periodNs: number; dutyNs: number; polarity: 'normal' | 'inversed' };
}

/** Options of {@link SysfsKernel}. */
export interface SysfsKernelOptions {
  readonly chips: readonly BoardChip[];
  readonly npwm: number;
  /** Lines exported less than this long ago get `direction`/`active_low` re-read on every poll. */
  readonly configSettleMs: number;
  /** Re-read interval of `direction`, `active_low` and `polarity` once settled. */
  readonly rescanMs: number;
}

const readBuf = Buffer.alloc(32);

/** Reads a small attribute through its open descriptor (pread at 0), or '' when it is empty or unreadable. */
function readFd(fd: number): string {
  try {
    const n = readSync(fd, readBuf, 0, readBuf.length, 0);
    return readBuf.toString('utf8', 0, n);
  } catch {
    return '';
  }
}

/** Replaces an attribute's text in place (no truncation first, so no reader sees it empty), then trims the tail. */
function rewriteFd(fd: number, text: string): void {
  writeSync(fd, text, 0);
  ftruncateSync(fd, Buffer.byteLength(text));
}

/**
 * What the kernel does behind the sysfs GPIO and PWM files, played by polling: it answers `export`/`unexport` writes
 * by creating and removing `gpioN/` and `pwmchip0/pwmN/`, applies `direction` (`high`/`low` set the raw level, as the
 * kernel does) and `active_low`, reads the levels drivers write to output lines, and writes the levels of input
 * lines in place. It knows nothing about the board: the board registers which lines it reads and drives.
 *
 * Cheap on purpose (it runs beside the station on a 2-core machine): per poll it reads the export files, the value
 * file of each registered output that is exported as an output, and the exported PWM channel's three numbers; it
 * writes an input file only when its level changes. `direction`/`active_low`/`polarity` are re-read every poll while a
 * line is fresh (`configSettleMs`), then every `rescanMs`.
 */
export class SysfsKernel {
  private readonly lines = new Map<number, ExportedLine>();
  private readonly pwms = new Map<number, ExportedPwm>();
  private readonly outputs = new Map<number, Raw>();
  private readonly inputs = new Map<number, Raw>();
  private readonly gpioExportFd: number;
  private readonly gpioUnexportFd: number;
  private readonly pwmExportFd: number;
  private readonly pwmUnexportFd: number;
  private lastRescanMs = -Infinity;
  private closed = false;

  constructor(
    private readonly tree: SysfsTree,
    private readonly options: SysfsKernelOptions,
  ) {
    this.gpioExportFd = openSync(join(tree.gpioDir, 'export'), 'r+');
    this.gpioUnexportFd = openSync(join(tree.gpioDir, 'unexport'), 'r+');
    this.pwmExportFd = openSync(join(this.pwmChipDir, 'export'), 'r+');
    this.pwmUnexportFd = openSync(join(this.pwmChipDir, 'unexport'), 'r+');
  }

  private get pwmChipDir(): string {
    return join(this.tree.pwmDir, 'pwmchip0');
  }

  /**
   * The board reads this line. While it is not exported, or exported as an input, it sits at `pullRaw` (the board's
   * pull resistor: a released relay line reads its inactive level).
   */
  registerOutput(sysfsNumber: number, pullRaw: Raw): void {
    this.outputs.set(sysfsNumber, pullRaw);
  }

  /** The board drives this line with `raw` (before sysfs `active_low`); written at once when it is exported as input. */
  setInput(sysfsNumber: number, raw: Raw): void {
    if (this.inputs.get(sysfsNumber) === raw) return;
    this.inputs.set(sysfsNumber, raw);
    const line = this.lines.get(sysfsNumber);
    if (line !== undefined && line.direction === 'in') this.writeInput(line, raw);
  }

  /** The raw level on a registered output line: the driver's level while exported as output, else its pull level. */
  outputRaw(sysfsNumber: number): Raw {
    const line = this.lines.get(sysfsNumber);
    if (line !== undefined && line.direction === 'out') return line.outRaw;
    return this.outputs.get(sysfsNumber) ?? 0;
  }

  isExported(sysfsNumber: number): boolean {
    return this.lines.has(sysfsNumber);
  }

  /** The direction of an exported line, or null. */
  direction(sysfsNumber: number): 'in' | 'out' | null {
    return this.lines.get(sysfsNumber)?.direction ?? null;
  }

  /** The PWM channel as the hardware runs it, or null when not exported. */
  pwm(channel: number): PwmChannelView | null {
    const p = this.pwms.get(channel);
    return p === undefined ? null : { ...p.view };
  }

  /** One pass of the kernel's work at `nowMs` (monotonic, real ms). */
  poll(nowMs: number): void {
    if (this.closed) return;
    this.handleExports(nowMs);
    const rescan = nowMs - this.lastRescanMs >= this.options.rescanMs;
    if (rescan) this.lastRescanMs = nowMs;
    for (const [n, line] of this.lines) {
      if (rescan || nowMs - line.exportedAtMs < this.options.configSettleMs) this.readConfig(n, line);
      if (line.direction === 'out' && this.outputs.has(n)) this.readOutput(line);
    }
    for (const pwm of this.pwms.values()) this.readPwm(pwm, rescan || nowMs - pwm.exportedAtMs < this.options.configSettleMs);
  }

  /** Closes every descriptor; the files stay. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const line of this.lines.values()) closeLine(line);
    for (const pwm of this.pwms.values()) closePwm(pwm);
    this.lines.clear();
    this.pwms.clear();
    for (const fd of [this.gpioExportFd, this.gpioUnexportFd, this.pwmExportFd, this.pwmUnexportFd]) closeSync(fd);
  }

  private handleExports(nowMs: number): void {
    // Truncate before acting: onoff writes the next number only after it saw this one's files appear.
    const take = (fd: number): number | null => {
      const text = readFd(fd).trim();
      if (text === '') return null;
      ftruncateSync(fd, 0);
      return /^\d+$/.test(text) ? Number.parseInt(text, 10) : null;
    };
    const exp = take(this.gpioExportFd);
    if (exp !== null) this.exportLine(exp, nowMs);
    const unexp = take(this.gpioUnexportFd);
    if (unexp !== null) this.unexportLine(unexp);
    const pexp = take(this.pwmExportFd);
    if (pexp !== null) this.exportPwm(pexp, nowMs);
    const punexp = take(this.pwmUnexportFd);
    if (punexp !== null) this.unexportPwm(punexp);
  }

  private exportLine(n: number, nowMs: number): void {
    // The kernel answers EINVAL for a number outside every chip and EBUSY for one already exported; a file cannot
    // fail the write, so the folder is simply not created and onoff's wait for `value` fails.
    const onChip = this.options.chips.some((c) => n >= c.base && n < c.base + c.ngpio);
    const dir = join(this.tree.gpioDir, `gpio${n}`);
    if (!onChip || this.lines.has(n) || existsSync(dir)) return;
    const staging = join(this.tree.gpioDir, `.gpio${n}.new`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    // A fresh line is an input; it reads what the board drives on it (or its pull level).
    const raw = this.inputs.get(n) ?? this.outputs.get(n) ?? 0;
    writeFileSync(join(staging, 'value'), `${raw}\n`);
    writeFileSync(join(staging, 'direction'), 'in\n');
    writeFileSync(join(staging, 'active_low'), '0\n');
    writeFileSync(join(staging, 'edge'), 'none\n');
    // Renamed into place whole: onoff's wait loop never finds a folder without its files.
    renameSync(staging, dir);
    this.lines.set(n, {
      dir,
      valueFd: openSync(join(dir, 'value'), 'r+'),
      directionFd: openSync(join(dir, 'direction'), 'r+'),
      activeLowFd: openSync(join(dir, 'active_low'), 'r+'),
      exportedAtMs: nowMs,
      direction: 'in',
      sysfsActiveLow: false,
      outRaw: raw,
      valueChar: String(raw),
      inputWritten: String(raw),
    });
  }

  private unexportLine(n: number): void {
    const line = this.lines.get(n);
    if (line === undefined) return;
    closeLine(line);
    this.lines.delete(n);
    rmSync(line.dir, { recursive: true, force: true });
  }

  private readConfig(n: number, line: ExportedLine): void {
    const al = readFd(line.activeLowFd).trim();
    if (al === '0' || al === '1') {
      const activeLow = al === '1';
      if (activeLow !== line.sysfsActiveLow) {
        line.sysfsActiveLow = activeLow;
        // The kernel keeps the raw level; the value file now shows it the other way round.
        if (line.direction === 'out') this.writeValueChar(line, String(line.outRaw ^ (activeLow ? 1 : 0)));
        else line.inputWritten = null;
      }
    }
    const dir = readFd(line.directionFd).trim();
    if (dir === 'in') {
      if (line.direction !== 'in') {
        line.direction = 'in';
        line.inputWritten = null;
      }
    } else if (dir === 'out') {
      // `out` on an input makes it an output at raw low, as the kernel does.
      if (line.direction !== 'out') this.applyOutputDirection(line, 0, false);
    } else if (dir === 'high' || dir === 'low') {
      this.applyOutputDirection(line, dir === 'high' ? 1 : 0, true);
    }
    // Anything else (empty while a writer is mid-write) keeps the previous direction.
    if (line.direction === 'in' && line.inputWritten === null) {
      this.writeInput(line, this.inputs.get(n) ?? this.outputs.get(n) ?? 0);
    }
  }

  /**
   * `high`/`low` make the line an output at that raw level in one step. Seen late by polling, the driver may already
   * have written `value` after the direction: then its write wins, as it would have in the kernel. A value file
   * modified later than the direction file, or whose content changed since we last saw it, counts as written after.
   */
  private applyOutputDirection(line: ExportedLine, raw: Raw, showOut: boolean): void {
    const current = readFd(line.valueFd).charAt(0);
    let writtenAfter = current !== line.valueChar && (current === '0' || current === '1');
    try {
      if (fstatSync(line.valueFd).mtimeMs > fstatSync(line.directionFd).mtimeMs) writtenAfter = true;
    } catch {
      // Descriptor gone with the folder: the line is being unexported.
    }
    line.direction = 'out';
    if (writtenAfter) {
      line.valueChar = current;
      line.outRaw = ((current === '1' ? 1 : 0) ^ (line.sysfsActiveLow ? 1 : 0)) as Raw;
    } else {
      line.outRaw = raw;
      this.writeValueChar(line, String(raw ^ (line.sysfsActiveLow ? 1 : 0)));
    }
    // The kernel shows `out` after `high`/`low`.
    if (showOut) rewriteFd(line.directionFd, 'out\n');
  }

  private readOutput(line: ExportedLine): void {
    // onoff writes one byte at offset 0; a shell `echo` truncates first: an empty or odd read keeps the last level.
    const c = readFd(line.valueFd).charAt(0);
    if (c !== '0' && c !== '1') return;
    line.valueChar = c;
    line.outRaw = ((c === '1' ? 1 : 0) ^ (line.sysfsActiveLow ? 1 : 0)) as Raw;
  }

  private writeInput(line: ExportedLine, raw: Raw): void {
    const c = String(raw ^ (line.sysfsActiveLow ? 1 : 0));
    if (line.inputWritten === c) return;
    this.writeValueChar(line, c);
    line.inputWritten = c;
  }

  private writeValueChar(line: ExportedLine, c: string): void {
    try {
      // Same length in place: a driver's read never finds the file empty.
      writeSync(line.valueFd, `${c}\n`, 0);
      line.valueChar = c;
    } catch {
      // The folder went away under us (unexport racing); the next poll forgets the line.
    }
  }

  private exportPwm(channel: number, nowMs: number): void {
    const dir = join(this.pwmChipDir, `pwm${channel}`);
    if (channel >= this.options.npwm || this.pwms.has(channel) || existsSync(dir)) return;
    const staging = join(this.pwmChipDir, `.pwm${channel}.new`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    for (const [f, v] of [
      ['period', '0'],
      ['duty_cycle', '0'],
      ['enable', '0'],
      ['polarity', 'normal'],
    ] as const) {
      writeFileSync(join(staging, f), `${v}\n`);
    }
    renameSync(staging, dir);
    this.pwms.set(channel, {
      dir,
      fds: {
        period: openSync(join(dir, 'period'), 'r+'),
        duty: openSync(join(dir, 'duty_cycle'), 'r+'),
        enable: openSync(join(dir, 'enable'), 'r+'),
        polarity: openSync(join(dir, 'polarity'), 'r+'),
      },
      exportedAtMs: nowMs,
      view: { enabled: false, periodNs: 0, dutyNs: 0, polarity: 'normal' },
    });
  }

  private unexportPwm(channel: number): void {
    const pwm = this.pwms.get(channel);
    if (pwm === undefined) return;
    closePwm(pwm);
    this.pwms.delete(channel);
    rmSync(pwm.dir, { recursive: true, force: true });
  }

  private readPwm(pwm: ExportedPwm, withPolarity: boolean): void {
    const int = (fd: number): number | null => {
      const t = readFd(fd).trim();
      return /^\d+$/.test(t) ? Number.parseInt(t, 10) : null;
    };
    const v = pwm.view;
    const period = int(pwm.fds.period);
    if (period !== null) v.periodNs = period;
    const duty = int(pwm.fds.duty);
    // The kernel refuses a duty cycle longer than the period (EINVAL): the running one stays.
    if (duty !== null && duty <= v.periodNs) v.dutyNs = duty;
    if (withPolarity) {
      const pol = readFd(pwm.fds.polarity).trim();
      // Polarity cannot change while enabled (EBUSY); judged on the state before this poll's `enable`.
      if ((pol === 'normal' || pol === 'inversed') && !v.enabled) v.polarity = pol;
    }
    const enable = int(pwm.fds.enable);
    if (enable === 0 || enable === 1) v.enabled = enable === 1;
  }
}

function closeLine(line: ExportedLine): void {
  for (const fd of [line.valueFd, line.directionFd, line.activeLowFd]) closeSync(fd);
}

function closePwm(pwm: ExportedPwm): void {
  for (const fd of Object.values(pwm.fds)) closeSync(fd);
}
