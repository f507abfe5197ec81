import assert from 'node:assert/strict';
import { EvseError, EvseErrorCode } from '../../../hal/base/errors.js';
import { findChip, listGpioChips, resolveLine } from '../../../hal/gpio/chip-resolver.js';
import { gpioConfigSchema } from '../../../hal/gpio/config.js';
import { parseConfig } from '../../../src/config/load.js';
import { FakeSysfs } from './support/fake-sysfs.js';
import { testGpioConfig } from './support/config.js';

describe('hal/gpio chip and line resolution', () => {
  let sysfs: FakeSysfs;
  beforeEach(() => {
    sysfs = new FakeSysfs();
  });
  afterEach(() => sysfs.remove());

  it('lists the chips with base, label, ngpio and the character device name', () => {
    const chips = listGpioChips(sysfs.root);
    assert.deepEqual(
      chips.map((c) => [c.sysfsName, c.deviceName, c.label, c.base, c.ngpio]),
      [
        ['gpiochip512', 'gpiochip0', 'pinctrl-bcm2711', 512, 58],
        ['gpiochip570', 'gpiochip1', 'raspberrypi-exp-gpio', 570, 8],
      ],
    );
  });

  it('resolves gpiochip0 line 17 to sysfs 529 on a kernel whose base moved to 512', () => {
    const r = resolveLine(sysfs.root, 'contactor.relay', { chip: 'gpiochip0', line: 17, activeLow: false });
    assert.equal(r.sysfsNumber, 529);
  });

  it('finds a chip by label and by sysfs directory name too', () => {
    const chips = listGpioChips(sysfs.root);
    assert.equal(findChip(chips, 'raspberrypi-exp-gpio')?.base, 570);
    assert.equal(findChip(chips, 'gpiochip570')?.label, 'raspberrypi-exp-gpio');
    assert.equal(resolveLine(sysfs.root, 'x', { chip: 'pinctrl-bcm2711', line: 4, activeLow: false }).sysfsNumber, 516);
  });

  it('resolves on an old kernel where the base is 0 and the names agree', () => {
    const old = new FakeSysfs([{ deviceName: 'gpiochip0', label: 'pinctrl-bcm2835', base: 0, ngpio: 54 }]);
    try {
      assert.equal(resolveLine(old.root, 'x', { chip: 'gpiochip0', line: 17, activeLow: false }).sysfsNumber, 17);
    } finally {
      old.remove();
    }
  });

  it('a missing chip is an EvseError naming the pin, the chip and the chips that exist', () => {
    assert.throws(
      () => resolveLine(sysfs.root, 'contactor.relay', { chip: 'gpiochip4', line: 1, activeLow: false }),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.ChipNotFound &&
        /contactor\.relay/.test(err.message) &&
        /"gpiochip4" not found/.test(err.message) &&
        /gpiochip0 \(pinctrl-bcm2711, base 512\)/.test(err.message),
    );
  });

  it('a line beyond ngpio is an EvseError naming the pin and the range', () => {
    assert.throws(
      () => resolveLine(sysfs.root, 'inputs.rcdTrip', { chip: 'gpiochip1', line: 8, activeLow: false }),
      (err: unknown) =>
        err instanceof EvseError &&
        err.code === EvseErrorCode.PinUnavailable &&
        /inputs\.rcdTrip: line 8 does not exist on gpiochip1 .* lines 0…7/.test(err.message),
    );
  });

  it('with no sysfs GPIO at all, says so', () => {
    assert.throws(
      () => resolveLine('/nonexistent-sysfs', 'contactor.relay', { chip: 'gpiochip0', line: 1, activeLow: false }),
      /no GPIO chips under \/nonexistent-sysfs\/class\/gpio/,
    );
  });
});

describe('hal/gpio config', () => {
  it('fills the defaults: 1 kHz, feedback 250 ms, aux debounce 10 ms, sysfs at /sys', () => {
    const cfg = testGpioConfig('/sys');
    assert.equal(cfg.pilot.pwm.periodNs, 1_000_000);
    assert.equal(cfg.contactor.feedbackMs, 250);
    assert.equal(cfg.contactor.auxDebounceMs, 10);
    assert.ok(cfg.contactor.minCloseIntervalMs > 0);
    assert.equal(gpioConfigSchema.parse({ ...cfg, sysfsRoot: undefined }).sysfsRoot, '/sys');
  });

  it('rejects the same line used twice, naming both signals', () => {
    const cfg = testGpioConfig('/sys');
    const result = gpioConfigSchema.safeParse({ ...cfg, contactor: { ...cfg.contactor, aux: cfg.contactor.relay } });
    assert.equal(result.success, false);
    assert.match(result.error?.issues[0]?.message ?? '', /gpiochip0 line 17 is already used by contactor.relay/);
    assert.deepEqual(result.error?.issues[0]?.path, ['contactor', 'aux']);
  });

  it('rejects a pilot debounce that breaks the 50 ms detection bound', () => {
    const cfg = testGpioConfig('/sys');
    const result = gpioConfigSchema.safeParse({ ...cfg, sampleIntervalMs: 10, pilot: { ...cfg.pilot, debounceMs: 45 } });
    assert.equal(result.success, false);
    assert.match(result.error?.issues[0]?.message ?? '', /exceeds the 50 ms/);
  });

  it('is an optional section of the station config; a bad field is named with its value', () => {
    assert.equal(parseConfig({}).gpio, undefined);
    const cfg = testGpioConfig('/sys');
    const bad = { gpio: { ...cfg, contactor: { ...cfg.contactor, relay: { chip: 'gpiochip0', line: -3 } } } };
    assert.throws(() => parseConfig(bad), /gpio\.contactor\.relay\.line: .*\(got -3\)/);
  });
});

describe('hal/gpio resolution on a Raspberry Pi 5 (RP1, base 571)', () => {
  it('finds the RP1 chip by its label or by its character device name', () => {
    const pi5 = new FakeSysfs([
      { deviceName: 'gpiochip4', label: 'pinctrl-rp1', base: 571, ngpio: 54 },
      { deviceName: 'gpiochip0', label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
    ]);
    try {
      assert.equal(resolveLine(pi5.root, 'x', { chip: 'pinctrl-rp1', line: 17, activeLow: false }).sysfsNumber, 588);
      assert.equal(resolveLine(pi5.root, 'x', { chip: 'gpiochip4', line: 17, activeLow: false }).sysfsNumber, 588);
      // gpiochip0 is the character device of another chip here, not the sysfs folder gpiochip0 (there is none)
      assert.equal(resolveLine(pi5.root, 'x', { chip: 'gpiochip0', line: 3, activeLow: false }).sysfsNumber, 515);
    } finally {
      pi5.remove();
    }
  });
});
