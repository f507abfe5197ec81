import assert from 'node:assert/strict';
import { existsSync, openSync, readFileSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualBoard } from '../../../simulator/board/virtual-board.js';
import { boardGpioConfig, n } from './support.js';

/** The board stepped by hand: `at(ms)` runs one poll at that real time. */
function stepped(options: Parameters<typeof VirtualBoard.create>[0]['options'] = {}) {
  let physics = 0;
  const board = VirtualBoard.create({ gpio: boardGpioConfig(), options, physicsMs: () => physics });
  const at = (ms: number): void => {
    physics = ms;
    board.tick(ms);
  };
  const gpio = (line: number, file = 'value'): string => readFileSync(join(board.gpioDir, `gpio${n(line)}`, file), 'utf8');
  // As onoff does it: export, then open value r+ and write one byte at offset 0.
  const exportLine = (line: number, t: number): void => {
    writeFileSync(join(board.gpioDir, 'export'), String(n(line)));
    at(t);
  };
  const writeValue = (line: number, v: 0 | 1): void => {
    const fd = openSync(join(board.gpioDir, `gpio${n(line)}`, 'value'), 'r+');
    writeSync(fd, String(v), 0);
    closeSync(fd);
  };
  const pwmFile = (f: string, v: string): void => writeFileSync(join(board.pwmDir, 'pwmchip0', 'pwm0', f), v);
  return { board, at, gpio, exportLine, writeValue, pwmFile };
}

describe('virtual board: the kernel loop on files', () => {
  it('creates gpioN on export with kernel defaults, removes it on unexport, ignores lines off every chip', () => {
    const { board, at, gpio, exportLine } = stepped();
    try {
      exportLine(6, 0);
      assert.equal(gpio(6, 'direction'), 'in\n');
      assert.equal(gpio(6, 'active_low'), '0\n');
      assert.equal(gpio(6, 'edge'), 'none\n');
      assert.equal(readFileSync(join(board.gpioDir, 'export'), 'utf8'), '');
      writeFileSync(join(board.gpioDir, 'export'), '600');
      at(1);
      assert.equal(existsSync(join(board.gpioDir, 'gpio600')), false, 'no chip has line 600: EINVAL, nothing created');
      writeFileSync(join(board.gpioDir, 'unexport'), String(n(6)));
      at(2);
      assert.equal(existsSync(join(board.gpioDir, `gpio${n(6)}`)), false);
    } finally {
      board.remove();
    }
  });

  it('closes the contacts after the pull-in when the relay file is written active, aux following', () => {
    const { board, at, gpio, exportLine, writeValue } = stepped();
    try {
      exportLine(17, 0);
      exportLine(27, 0);
      // The relay is active-low: onoff opens it with direction "high" (raw 1, inactive).
      writeFileSync(join(board.gpioDir, `gpio${n(17)}`, 'direction'), 'high');
      at(1);
      assert.equal(gpio(17, 'direction'), 'out\n');
      assert.equal(gpio(17), '1\n');
      assert.equal(board.relayCoilActive(), false);
      const changes: boolean[] = [];
      board.onCoilChange((c) => changes.push(c.active));
      writeValue(17, 0);
      at(10);
      assert.equal(board.relayCoilActive(), true);
      assert.equal(board.lastCoilChangeAt()?.atMs, 10);
      at(24);
      assert.equal(board.contactsClosed(), false);
      assert.equal(gpio(27), '0\n');
      at(25);
      assert.equal(board.contactsClosed(), true);
      assert.equal(gpio(27), '1\n');
      writeValue(17, 1);
      at(30);
      at(39);
      assert.equal(gpio(27), '1\n');
      at(40);
      assert.equal(gpio(27), '0\n');
      assert.deepEqual(changes, [true, false]);
      // Released as an input, the line reads its pull level: the coil drops.
      writeValue(17, 0);
      at(50);
      writeFileSync(join(board.gpioDir, `gpio${n(17)}`, 'direction'), 'in');
      at(60);
      assert.equal(board.relayCoilActive(), false);
    } finally {
      board.remove();
    }
  });

  it('keeps the last level when an output file is found empty (a shell echo mid-write)', () => {
    const { board, at, exportLine } = stepped();
    try {
      exportLine(25, 0);
      writeFileSync(join(board.gpioDir, `gpio${n(25)}`, 'direction'), 'out');
      writeFileSync(join(board.gpioDir, `gpio${n(25)}`, 'value'), '1\n');
      at(1);
      writeFileSync(join(board.gpioDir, `gpio${n(25)}`, 'value'), '');
      at(2);
      at(400);
      assert.equal(board.lockLocked(), true);
    } finally {
      board.remove();
    }
  });

  it('comparator files follow the EV: A, B, then C once PWM is offered; negativeLevel only after the settle', () => {
    const { board, at, gpio, exportLine, pwmFile } = stepped({ ev: { reactionMs: 100 } });
    try {
      for (const line of [5, 6, 13, 19, 26]) exportLine(line, 0);
      const code = () => [5, 6, 13, 19].map((l) => gpio(l).charAt(0)).join('');
      at(1);
      assert.equal(code(), '0000', 'PWM not exported: the idle pin gives −12 V (state F)');
      writeFileSync(join(board.pwmDir, 'pwmchip0', 'export'), '0');
      at(2);
      pwmFile('period', '1000000');
      pwmFile('duty_cycle', '1000000');
      pwmFile('enable', '1');
      at(3);
      assert.equal(code(), '1111', 'steady +12 V, no EV: A');
      board.ev.plug();
      assert.equal(code(), '0111', 'B at once');
      at(40);
      assert.equal(gpio(26), '0\n', 'the F phase charged the detector, steady +12 V bled it below threshold');
      pwmFile('duty_cycle', '267000');
      at(41);
      assert.equal(gpio(26), '0\n', 'not settled the instant the PWM starts');
      at(42.5);
      assert.equal(gpio(26), '1\n');
      at(200);
      assert.equal(code(), '0011', 'the EV closed S2 after its reaction time: C');
      board.inject('missing-diode', true);
      at(215);
      assert.equal(gpio(26), '0\n');
      board.inject('cp-short', true);
      assert.equal(code(), '0000');
    } finally {
      board.remove();
    }
  });

  it('lets the meter read current only while the contacts are really closed', () => {
    const { board, at, exportLine, writeValue, pwmFile } = stepped({ ev: { reactionMs: 0 } });
    try {
      exportLine(17, 0);
      writeFileSync(join(board.gpioDir, `gpio${n(17)}`, 'direction'), 'high');
      writeFileSync(join(board.pwmDir, 'pwmchip0', 'export'), '0');
      at(1);
      pwmFile('period', '1000000');
      pwmFile('duty_cycle', '266700');
      pwmFile('enable', '1');
      board.ev.plug();
      at(2);
      at(3);
      assert.equal(board.ev.sim.s2Closed, true);
      assert.equal(board.meterSample(0).totalPowerW, 0, 'relay open: no current');
      writeValue(17, 0);
      at(4);
      at(18);
      assert.equal(board.meterSample(0).totalPowerW, 0, 'coil on, contacts still moving');
      at(19);
      at(1019);
      const s = board.meterSample(0);
      assert.ok(Math.abs((s.phases[0]?.currentA ?? 0) - 16) < 0.1, `16 A offered, drew ${s.phases[0]?.currentA}`);
      board.inject('fails-to-close', false);
      writeValue(17, 1);
      board.inject('welded', true);
      at(1020);
      at(2000);
      assert.ok(board.meterSample(0).totalPowerW > 0, 'welded: power flows with the coil off');
    } finally {
      board.remove();
    }
  });

  it('writes the emergency stop at its active level (active-low), latches the RCD self-test, follows the lock', () => {
    const { board, at, gpio, exportLine, writeValue } = stepped();
    try {
      for (const line of [24, 22, 23, 25, 16, 12]) exportLine(line, 0);
      assert.equal(gpio(24), '1\n', 'released button on an active-low line reads high');
      board.pressEmergencyStop(true);
      assert.equal(gpio(24), '0\n');
      for (const line of [23, 25, 12]) writeFileSync(join(board.gpioDir, `gpio${n(line)}`, 'direction'), 'low');
      at(1);
      writeValue(23, 1);
      writeValue(25, 1);
      writeValue(12, 1);
      at(2);
      assert.equal(board.ventilationRunning(), true);
      at(31);
      assert.equal(gpio(22), '0\n');
      at(32);
      assert.equal(gpio(22), '1\n', 'tripped 30 ms after the test output');
      writeValue(23, 0);
      at(100);
      assert.equal(gpio(22), '1\n', 'latched');
      board.resetRcd();
      assert.equal(gpio(22), '0\n');
      at(301);
      assert.equal(gpio(16), '0\n');
      at(302);
      assert.equal(gpio(16), '1\n', 'locked 300 ms after the actuator');
    } finally {
      board.remove();
    }
  });
});
