import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ds18b20Files, maximCrc8, scratchpad } from '../../../simulator/board/ds18b20.js';
import { LockMotorModel } from '../../../simulator/board/lock-motor.js';
import { parseBoardOptions } from '../../../simulator/board/options.js';
import { RcdModel } from '../../../simulator/board/rcd.js';
import { RelayModel } from '../../../simulator/board/relay.js';
import { wireBoard } from '../../../simulator/board/wiring.js';
import { boardGpioConfig, n } from './support.js';

describe('virtual board: relay, lock, RCD, DS18B20, options', () => {
  describe('relay', () => {
    it('closes after the pull-in and opens after the drop-out, aux with it', () => {
      const r = new RelayModel({ pullInMs: 15, dropOutMs: 10 });
      r.update(0, true);
      r.update(14.9, true);
      assert.equal(r.contactsClosed, false);
      r.update(15, true);
      assert.equal(r.contactsClosed, true);
      r.update(100, false);
      r.update(109.9, false);
      assert.equal(r.contactsClosed, true);
      r.update(110, false);
      assert.equal(r.contactsClosed, false);
    });

    it('does not close on a coil pulse shorter than the pull-in', () => {
      const r = new RelayModel({ pullInMs: 15, dropOutMs: 10 });
      r.update(0, true);
      r.update(10, false);
      r.update(40, false);
      assert.equal(r.contactsClosed, false);
    });

    it('welded: once closed it stays closed; fails-to-close: never closes', () => {
      const r = new RelayModel({ pullInMs: 15, dropOutMs: 10 });
      r.setWelded(true, 0);
      r.update(0, true);
      r.update(20, true);
      r.update(30, false);
      r.update(1000, false);
      assert.equal(r.contactsClosed, true);
      r.setWelded(false, 1000);
      r.update(1010, false);
      assert.equal(r.contactsClosed, false);
      const f = new RelayModel({ pullInMs: 15, dropOutMs: 10 });
      f.setFailsToClose(true, 0);
      f.update(0, true);
      f.update(1000, true);
      assert.equal(f.contactsClosed, false);
      f.setFailsToClose(false, 1000);
      f.update(1015, true);
      assert.equal(f.contactsClosed, true);
    });
  });

  it('lock: the feedback follows the actuator after lockTimeMs both ways; jammed never follows', () => {
    const lock = new LockMotorModel(300);
    lock.update(0, true);
    lock.update(299, true);
    assert.equal(lock.feedbackLocked, false);
    lock.update(300, true);
    assert.equal(lock.feedbackLocked, true);
    lock.update(400, false);
    lock.update(700, false);
    assert.equal(lock.feedbackLocked, false);
    lock.setJammed(true, 700);
    lock.update(700, true);
    lock.update(5000, true);
    assert.equal(lock.feedbackLocked, false);
  });

  it('RCD: the self-test trips after 30 ms and latches until reset; a reset under test trips again', () => {
    const rcd = new RcdModel(30);
    rcd.update(0, true);
    rcd.update(29, true);
    assert.equal(rcd.tripped, false);
    rcd.update(30, true);
    assert.equal(rcd.tripped, true);
    rcd.update(50, false);
    rcd.update(500, false);
    assert.equal(rcd.tripped, true, 'latched after the test output went off');
    rcd.reset(500);
    assert.equal(rcd.tripped, false);
    rcd.update(600, true);
    rcd.reset(610);
    rcd.update(639, true);
    assert.equal(rcd.tripped, false);
    rcd.update(640, true);
    assert.equal(rcd.tripped, true);
  });

  describe('DS18B20 files', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'w1-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes temperature (milli-°C) and w1_slave with a valid CRC and YES', () => {
      const s = new Ds18b20Files(dir, '28-00000a1b2c3d', 23.125);
      assert.equal(readFileSync(join(s.dir, 'temperature'), 'utf8'), '23125\n');
      const [crcLine, tLine] = readFileSync(join(s.dir, 'w1_slave'), 'utf8').split('\n');
      assert.match(crcLine ?? '', /^([0-9a-f]{2} ){9}: crc=[0-9a-f]{2} YES$/);
      assert.match(tLine ?? '', / t=23125$/);
      const bytes = Uint8Array.from((crcLine ?? '').split(' : ')[0]!.split(' ').map((h) => Number.parseInt(h, 16)));
      assert.equal(maximCrc8(bytes), 0, 'CRC over all nine bytes is 0');
      s.setTemperature(-10.0625);
      assert.equal(readFileSync(join(s.dir, 'temperature'), 'utf8'), '-10062\n');
      assert.equal(scratchpad(0x0550)[0], 0x50);
    });

    it('faults: gone removes the folder, crc says NO without temperature, power-on reads 85000', () => {
      const s = new Ds18b20Files(dir, '28-00000a1b2c3d', 40);
      s.setFault('crc');
      assert.match(readFileSync(join(s.dir, 'w1_slave'), 'utf8'), / NO\n/);
      assert.equal(existsSync(join(s.dir, 'temperature')), false);
      s.setFault('power-on');
      assert.equal(readFileSync(join(s.dir, 'temperature'), 'utf8'), '85000\n');
      assert.match(readFileSync(join(s.dir, 'w1_slave'), 'utf8'), /YES\n.* t=85000\n$/);
      s.setFault('gone');
      assert.equal(existsSync(s.dir), false);
      s.setFault(null);
      assert.equal(readFileSync(join(s.dir, 'temperature'), 'utf8'), '40000\n');
    });
  });

  it('options: defaults, and a bad option names the field', () => {
    const o = parseBoardOptions({});
    assert.equal(o.relay.pullInMs, 15);
    assert.equal(o.relay.dropOutMs, 10);
    assert.equal(o.lock.lockTimeMs, 300);
    assert.throws(() => parseBoardOptions({ relay: { pullInMs: -1 } }), /relay\.pullInMs/);
    assert.throws(() => parseBoardOptions({ temperatureSensor: { id: 'x' } }), /temperatureSensor\.id/);
    assert.throws(() => parseBoardOptions({ tickMs: 1, bogus: 1 }), /virtual board option/);
  });

  it('wiring: resolves chips by device name or label with base 512, treats absent parts as not fitted', () => {
    const { chips } = parseBoardOptions({});
    const w = wireBoard(boardGpioConfig(), chips);
    assert.equal(w.outputs.relay?.sysfsNumber, n(17));
    assert.equal(w.outputs.relay?.activeLow, true);
    assert.equal(w.outputs.ventilation?.sysfsNumber, n(12));
    const bare = wireBoard({ pilot: boardGpioConfig().pilot, contactor: { relay: { chip: 'gpiochip512', line: 17 } } }, chips);
    assert.equal(bare.outputs.relay?.sysfsNumber, n(17));
    assert.equal(bare.outputs.lockActuator, undefined);
    assert.equal(bare.inputs.aux, undefined);
    assert.throws(() => wireBoard({ ...boardGpioConfig(), ventilation: { chip: 'gpiochip4', line: 1 } }, chips), /gpio\.ventilation: chip "gpiochip4"/);
    assert.throws(() => wireBoard({ ...boardGpioConfig(), ventilation: { chip: 'gpiochip0', line: 17 } }, chips), /already gpio\.contactor\.relay/);
    assert.throws(() => wireBoard({ ...boardGpioConfig(), ventilation: { chip: 'gpiochip1', line: 8 } }, chips), /lines 0…7/);
  });
});
