import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Faults of the 1-wire sensor. */
export const ds18b20Faults = ['gone', 'crc', 'power-on'] as const;
export type Ds18b20Fault = (typeof ds18b20Faults)[number];

/** The DS18B20's power-on register value: 85 °C, never a reading. */
const powerOnRaw = 0x0550;

/**
 * A DS18B20 on the kernel's 1-wire bus, as files: `bus/w1/devices/<id>/temperature` (milli-°C, newer kernels) and
 * `w1_slave` (scratchpad bytes with the CRC verdict, then `t=`). The temperature is quantised to the sensor's
 * 1/16 °C. Faults: `gone` (the device folder disappears), `crc` (`NO` in w1_slave, a wrong CRC byte, and no
 * `temperature` file, which the kernel fails to read), `power-on` (85000 with a valid CRC). Files are replaced by
 * rename, so a reader never sees one half-written. The kernel's 750 ms conversion on read is not modelled.
 */
export class Ds18b20Files {
  private celsius: number;
  private fault: Ds18b20Fault | null = null;

  constructor(
    /** `<root>/bus/w1/devices`. */
    private readonly devicesDir: string,
    /** Device folder name, e.g. `28-00000a1b2c3d`. */
    readonly id: string,
    initialCelsius: number,
  ) {
    this.celsius = initialCelsius;
    this.write();
  }

  /** The sensor's folder. */
  get dir(): string {
    return join(this.devicesDir, this.id);
  }

  /** The temperature the sensor measures (before quantisation). */
  get temperatureC(): number {
    return this.celsius;
  }

  get activeFault(): Ds18b20Fault | null {
    return this.fault;
  }

  setTemperature(celsius: number): void {
    this.celsius = celsius;
    this.write();
  }

  /** Switches a fault on (or off with null). */
  setFault(fault: Ds18b20Fault | null): void {
    this.fault = fault;
    this.write();
  }

  /** Removes the device folder (the board is removed as a whole anyway). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private write(): void {
    if (this.fault === 'gone') {
      this.remove();
      return;
    }
    mkdirSync(this.dir, { recursive: true });
    const raw = this.fault === 'power-on' ? powerOnRaw : rawOf(this.celsius);
    const pad = scratchpad(raw);
    const crcOk = this.fault !== 'crc';
    if (!crcOk) pad[8] = (pad[8] ?? 0) ^ 0x5a;
    const hex = Array.from(pad, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const milli = Math.round((raw >= 0x8000 ? raw - 0x10000 : raw) * 62.5);
    atomicWrite(join(this.dir, 'w1_slave'), `${hex} : crc=${hex.slice(-2)} ${crcOk ? 'YES' : 'NO'}\n${hex} t=${milli}\n`);
    atomicWrite(join(this.dir, 'name'), `${this.id}\n`);
    if (crcOk) atomicWrite(join(this.dir, 'temperature'), `${milli}\n`);
    else rmSync(join(this.dir, 'temperature'), { force: true });
  }
}

/** 12-bit two's-complement register value of a temperature, 1/16 °C per step, clamped to −55…125 °C. */
export function rawOf(celsius: number): number {
  const clamped = Math.min(125, Math.max(-55, celsius));
  return Math.round(clamped * 16) & 0xffff;
}

/** The 9-byte scratchpad: temperature LSB/MSB, TH, TL, config (12 bit), 3 reserved, CRC. */
export function scratchpad(raw: number): Uint8Array {
  const pad = Uint8Array.of(raw & 0xff, (raw >> 8) & 0xff, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10, 0);
  pad[8] = maximCrc8(pad.subarray(0, 8));
  return pad;
}

/** Dallas/Maxim CRC-8 (polynomial x^8 + x^5 + x^4 + 1, reflected), as the kernel checks it. */
export function maximCrc8(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    let b = byte;
    for (let i = 0; i < 8; i++) {
      const mix = (crc ^ b) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      b >>= 1;
    }
  }
  return crc;
}

function atomicWrite(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
