import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { buildProgram } from '../../src/cli.js';
import { EvseErrorCode } from '../../src/errors.js';
import { firstLanIPv4, pageAddress, runQr, type Interfaces } from '../../src/commands/qr.js';
import { webConfigSchema } from '../../src/web/config.js';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;

/** A Pi with loopback, an IPv6-only link and Wi-Fi: the LAN address is the Wi-Fi one. */
const machine: Interfaces = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('fe80::1', 'IPv6', false)],
  wlan0: [iface('192.168.4.23', 'IPv4', false)],
};

/** The dark modules of the SVG the qrcode package writes (one stroked path of horizontal runs, half a module down). */
function modulesOfSvg(svg: string): { size: number; dark: Set<string> } {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  const d = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1] ?? '';
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, op, a, b] of d.matchAll(/([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?/g)) {
    if (op === 'M') [x, y] = [Number(a), Number(b)];
    else if (op === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else for (let i = 0; i < Number(a); i++) dark.add(`${x++},${Math.floor(y)}`);
  }
  return { size, dark };
}

describe('evse qr', () => {
  const web = (host: string, port = 8080) => webConfigSchema.parse({ host, port });

  it('is a command of evse, with --url, --svg and --config', () => {
    const qr = buildProgram().commands.find((c) => c.name() === 'qr');
    assert.ok(qr);
    assert.deepEqual(qr.options.map((o) => o.long), ['--url', '--svg', '--config']);
  });

  it('0.0.0.0 becomes the first LAN IPv4 address of the machine; an explicit LAN host stays', () => {
    assert.equal(firstLanIPv4(machine), '192.168.4.23');
    assert.equal(pageAddress({}, web('0.0.0.0', 80), machine), 'http://192.168.4.23/');
    assert.equal(pageAddress({}, web('::', 8080), machine), 'http://192.168.4.23:8080/');
    assert.equal(pageAddress({}, web('10.0.0.5', 8081), machine), 'http://10.0.0.5:8081/');
    assert.equal(pageAddress({ url: 'http://evse.local:8080/' }, web('127.0.0.1'), machine), 'http://evse.local:8080/');
  });

  it('refuses what no phone could open: loopback, no LAN address, a page switched off, a URL that is not http', () => {
    const refused = (f: () => unknown, message: RegExp): void =>
      assert.throws(f, (err: { code?: number; message: string }) => err.code === EvseErrorCode.InvalidArgument && message.test(err.message));
    refused(() => pageAddress({}, web('127.0.0.1'), machine), /only this machine can reach/);
    refused(() => pageAddress({}, web('0.0.0.0'), { lo: machine['lo'] ?? [] }), /no LAN IPv4 address/);
    refused(() => pageAddress({}, webConfigSchema.parse({ enabled: false, host: '0.0.0.0' }), machine), /web.enabled: false/);
    refused(() => pageAddress({ url: 'ftp://x/' }, web('0.0.0.0'), machine), /--url must be an http URL/);
    refused(() => pageAddress({ url: 'not a url' }, web('0.0.0.0'), machine), /--url must be an http URL/);
  });

  it('prints the code for the terminal and writes an SVG whose modules encode the page address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-qr-'));
    try {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ web: { host: '0.0.0.0', port: 8080 } }));
      const svgPath = join(dir, 'station.svg');
      const out = await runQr({ config, svg: svgPath }, { interfaces: () => machine, installed: null });
      assert.match(out, /\nhttp:\/\/192\.168\.4\.23:8080\/\nSVG written to .*station\.svg\n$/);
      assert.match(out, /[▄▀█]/, 'no QR code in the terminal output');
      const svg = readFileSync(svgPath, 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const expected = QRCode.create('http://192.168.4.23:8080/', { errorCorrectionLevel: 'M' }).modules;
      const drawn = modulesOfSvg(svg);
      const margin = (drawn.size - expected.size) / 2;
      assert.equal(margin, 4);
      for (let y = 0; y < expected.size; y++) {
        for (let x = 0; x < expected.size; x++) {
          assert.equal(drawn.dark.has(`${x + margin},${y + margin}`), expected.get(y, x) === 1, `module ${x},${y}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
