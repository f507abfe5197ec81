import assert from 'node:assert/strict';
import { withOcpp201ErrorCode } from '../../../src/ocpp/rpc.js';
import { runFuzz201, type FuzzOptions201 } from './fuzz-run-201.js';
import { schemaBreakers } from './fuzz-schema-201.js';

const seed = Number(process.env['OCPP_FUZZ_SEED'] ?? 16);
const frames = Number(process.env['OCPP_FUZZ_FRAMES'] ?? 250);

describe('OCPP 2.0.1 fuzz: a hostile CSMS over a real websocket, the real journal behind the station', function () {
  this.timeout(60_000);

  const runs: { name: string; options: FuzzOptions201 }[] = [
    {
      name: 'every one-place schema break of every handled action (missing, wrong type, invalid value, extra property)',
      options: { seed, frames: 0, everyBreaker: true, burst: 25 },
    },
    { name: 'seeded malformed, schema-breaking, unknown and valid calls, frame by frame', options: { seed, frames } },
    // A hostile CSMS does not wait for answers: bursts queue its frames ahead of the station's pongs and answers.
    { name: 'the same in bursts of 50 frames that do not wait for the answers', options: { seed: seed + 1, frames, burst: 50 } },
  ];
  for (const { name, options } of runs) {
    it(`${name}: each gets its exact 2.0.1 CALLERROR or the right statuses; no close, no reconnect, nothing changed`, async () => {
      const report = await runFuzz201(options);
      assert.deepEqual(report.failures, []);
      assert.equal(report.frames, options.everyBreaker ? report.breakers : frames);
      assert.ok(report.breakers > 200, `breakers cover every handled action (${report.breakers})`);
      assert.equal(report.closes, 0, 'the station link never closed');
      assert.equal(report.reconnects, 0, 'the station never reconnected');
    });
  }

  it('a value outside its enum, too long, out of range or not a date-time is PropertyConstraintViolation (ocpp-rpc said FormatViolation)', () => {
    const codes = new Set(schemaBreakers('Reset').filter((b) => b.what.includes('enum')).map((b) => b.code));
    assert.deepEqual([...codes], ['PropertyConstraintViolation']);
    // ocpp-rpc's frame for Reset {type: "Later"}: its validator's fallback code, with the validator's errors in the details.
    const frame = JSON.stringify([4, 'm1', 'FormatViolation', 'data/type must be equal to one of the allowed values', { errors: [{ keyword: 'enum', instancePath: '/type' }], data: { type: 'Later' } }]);
    assert.equal((JSON.parse(withOcpp201ErrorCode(frame)) as unknown[])[2], 'PropertyConstraintViolation');
    // A FormatViolation the station's own handler raises (a request over BytesPerMessage) is a syntax verdict: it stays.
    const own = JSON.stringify([4, 'm2', 'FormatViolation', 'GetVariables: larger than BytesPerMessage 100', {}]);
    assert.equal(withOcpp201ErrorCode(own), own);
    assert.equal((JSON.parse(withOcpp201ErrorCode(JSON.stringify([4, 'm3', 'OccurenceConstraintViolation', '', {}]))) as unknown[])[2], 'OccurrenceConstraintViolation');
  });
});
