import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sinon from 'sinon';
import { main } from '../../src/cli.js';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import { startStatusServer, type StatusServer } from '../../src/web/server.js';
import { benchConfigInput } from '../../simulator/bench-config.js';
import { createSimStation, type SimStation } from '../../src/commands/sim/sim-station.js';

/** Runs `evse ARGS` in this process; returns the exit code and what it printed. */
async function evse(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const stderr = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    stdout.restore();
    stderr.restore();
  }
}

describe('evse status', function () {
  this.timeout(30_000);
  let sim: SimStation;
  let server: StatusServer;
  const config = parseConfig(benchConfigInput);

  before(async () => {
    sim = await createSimStation({ config, clock: systemClock, logger: silentLogger(), meterPath: 'direct' });
    server = await startStatusServer({ sources: { station: sim.station, config, clock: systemClock }, logger: silentLogger(), host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await server.close();
    await sim.close();
  });

  it('prints the state, the price and the uplink in a few lines', async () => {
    const r = await evse(['status', '--url', server.url]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^EVSE-SIM-1 · Available — Ready: Plug in your car and tap your card to start charging\.$/m);
    assert.match(r.out, /^power .* · offer 0 A \(limited by: hardware 32 A\) · pilot A · contactor open$/m);
    assert.match(r.out, /^price 0\.(39|29) EUR\/kWh/m);
    assert.match(r.out, /^uplink none/m);
  });

  it('--json prints the API document', async () => {
    const r = await evse(['status', '--url', server.url, '--json']);
    assert.equal(r.code, 0, r.err);
    const view = JSON.parse(r.out) as { status: string; station: { id: string } };
    assert.equal(view.status, 'Available');
    assert.equal(view.station.id, 'EVSE-SIM-1');
  });

  it('no station at the address: exit 69 with what to check', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const { port } = free.address() as AddressInfo;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const r = await evse(['status', '--url', `http://127.0.0.1:${port}/`]);
    assert.equal(r.code, 69);
    assert.match(r.err, new RegExp(`no station answers at http://127\\.0\\.0\\.1:${port}/ \\(ECONNREFUSED\\); is evse running`));
  });

  it('another server on the port is not taken for a station', async () => {
    const other = createServer((_req, res) => res.end('{"hello":"world"}'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = other.address() as AddressInfo;
      const r = await evse(['status', '--url', `http://127.0.0.1:${port}/`]);
      assert.equal(r.code, 69);
      assert.match(r.err, /did not answer with an evse status/);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('a bad --url is a usage error naming it', async () => {
    const r = await evse(['status', '--url', 'ftp://x']);
    assert.equal(r.code, 64);
    assert.match(r.err, /--url must be an http URL .*got "ftp:\/\/x"/);
  });
});
