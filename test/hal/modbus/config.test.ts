import assert from 'node:assert/strict';
import { meterConfigSchema } from '../../../hal/modbus/config.js';
import { configSchema } from '../../../src/config/schema.js';
import { describeIssues } from '../../../src/config/load.js';

function issues(input: unknown): string[] {
  const result = meterConfigSchema.safeParse(input);
  assert.equal(result.success, false, 'expected the config to be refused');
  return result.success ? [] : describeIssues(result.error, input);
}

describe('hal/modbus meter config', () => {
  it('defaults the station to the simulated meter', () => {
    assert.deepEqual(configSchema.parse({}).meter, {
      driver: 'sim',
      model: 'sdm630',
      emulateLineTiming: false,
      answerDelayMs: 0,
      pollIntervalMs: 1000,
      timeoutMs: 500,
      retries: 1,
      unitId: 1,
      baudRate: 9600,
    });
  });

  it('fills the serial defaults of a real meter', () => {
    const cfg = meterConfigSchema.parse({ driver: 'modbus', port: '/dev/ttyUSB0', model: 'em340' });
    assert.deepEqual(cfg, {
      driver: 'modbus',
      port: '/dev/ttyUSB0',
      model: 'em340',
      parity: 'none',
      stopBits: 1,
      pollIntervalMs: 1000,
      timeoutMs: 500,
      retries: 1,
      unitId: 1,
      baudRate: 9600,
    });
  });

  it('names the field and the bad value', () => {
    assert.deepEqual(issues({ driver: 'modbus', port: '/dev/x', model: 'sdm630', baudRate: 115200 }), [
      'baudRate: Too big: expected number to be <=38400 (got 115200)',
    ]);
    const unit = issues({ driver: 'modbus', port: '/dev/x', model: 'sdm630', unitId: 0 });
    assert.match(unit[0] ?? '', /^unitId: .*\(got 0\)$/);
    const model = issues({ driver: 'modbus', port: '/dev/x', model: 'sdm999' });
    assert.match(model[0] ?? '', /^model: .*\(got "sdm999"\)$/);
    const extra = issues({ driver: 'sim', baud: 9600 });
    assert.match(extra[0] ?? '', /baud/);
  });

  it('needs a complete customMap with model custom, and refuses one with any other model', () => {
    assert.match(issues({ driver: 'modbus', port: '/dev/x', model: 'custom' })[0] ?? '', /^customMap: .*needs a customMap/);
    const field = { address: 0, type: 'float32' };
    assert.match(
      issues({ driver: 'modbus', port: '/dev/x', model: 'custom', customMap: { phases: 1, fields: { voltageL1: field } } })[0] ?? '',
      /customMap\.fields: custom map lacks currentL1, totalPower, importEnergy/,
    );
    assert.match(
      issues({ driver: 'modbus', port: '/dev/x', model: 'sdm630', customMap: { fields: {} } }).join('\n'),
      /customMap: customMap is only read with model "custom"/,
    );
    const ok = meterConfigSchema.parse({
      driver: 'modbus',
      port: '/dev/x',
      model: 'custom',
      customMap: {
        phases: 1,
        fields: {
          voltageL1: { address: 0, type: 'uint16', scale: 0.1 },
          currentL1: { address: 1, type: 'uint16', scale: 0.01 },
          totalPower: { address: 2, type: 'int32', wordOrder: 'low-first' },
          importEnergy: { address: 4, type: 'uint32', scale: 10 },
        },
      },
    });
    assert.equal(ok.driver === 'modbus' && ok.customMap?.fields.totalPower?.wordOrder, 'low-first');
  });
});
