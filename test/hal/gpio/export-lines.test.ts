import assert from 'node:assert/strict';
import { EvseError } from '../../../hal/base/errors.js';
import { exportLines } from '../../../hal/gpio/lines.js';
import { FakeSysfs } from './support/fake-sysfs.js';
import { line, pins } from './support/config.js';

/**
 * Exporting lines for the real onoff: each line is exported and waited for without blocking the event loop, so a
 * kernel or udev that takes a while (a loaded controller) does not fail the start the way onoff's 10,000-spin wait can.
 */
describe('hal/gpio exportLines (real onoff path)', function () {
  this.timeout(10_000);
  let sysfs: FakeSysfs;
  beforeEach(() => {
    sysfs = new FakeSysfs();
  });
  afterEach(() => sysfs.remove());

  it('waits for a line whose folder appears only after a while, and names what it exported', async () => {
    // The "kernel" answers each export 50 ms later, from a timer: only a wait that yields lets it run.
    const kernel = setInterval(() => {
      const n = Number(sysfs.lastWritten('class/gpio/export'));
      if (n > 0) setTimeout(() => sysfs.exportGpio(n), 50);
    }, 5);
    try {
      const exported = await exportLines(sysfs.root, [
        ['contactor.relay', line(pins.relay, true)],
        ['contactor.aux', line(pins.aux)],
      ]);
      assert.deepEqual([...exported].sort(), [pins.aux, pins.relay].sort());
    } finally {
      clearInterval(kernel);
    }
  });

  it('a line that never appears is an error naming the pin, and what was exported is given back', async () => {
    sysfs.exportGpio(pins.aux); // already exported by someone else: not ours, left alone
    const started = performance.now();
    await assert.rejects(
      exportLines(sysfs.root, [
        ['contactor.aux', line(pins.aux)],
        ['contactor.relay', line(pins.relay, true)],
      ]),
      (err: unknown) => err instanceof EvseError && /contactor\.relay: .*not usable within 2000 ms/.test(err.message),
    );
    assert.ok(performance.now() - started >= 1900, 'it waited its budget');
    assert.equal(sysfs.lastWritten('class/gpio/unexport'), String(pins.relay));
  });
});
