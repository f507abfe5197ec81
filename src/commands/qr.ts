import { writeFileSync, renameSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import QRCode from 'qrcode';
import { loadConfigFile } from '../config/load.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { webConfigSchema, type WebConfig } from '../web/config.js';
import { installedService, readSideConfigPath, type InstalledService } from './journal-location.js';

interface QrOptions {
  readonly url?: string;
  readonly svg?: string;
  readonly config?: string;
}

/** The machine's interfaces, as `os.networkInterfaces()` gives them (tests pass their own). */
export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** The first IPv4 address of the machine that is not loopback (interfaces in the order the system lists them). */
export function firstLanIPv4(interfaces: Interfaces): string | null {
  for (const addresses of Object.values(interfaces)) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

/**
 * The address a phone on the station's LAN opens: `--url` as given, else `web.host:web.port` of the config. A wildcard
 * host (0.0.0.0, ::) is replaced by the machine's first LAN IPv4 address; a loopback host is refused, since no phone
 * could reach it.
 */
export function pageAddress(opts: { readonly url?: string }, web: WebConfig, interfaces: Interfaces): string {
  if (opts.url !== undefined) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new EvseError(EvseErrorCode.InvalidArgument, `--url must be an http URL such as http://192.168.1.20:8080/, got ${JSON.stringify(opts.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new EvseError(EvseErrorCode.InvalidArgument, `--url must be an http URL such as http://192.168.1.20:8080/, got ${JSON.stringify(opts.url)}`);
    }
    return url.href;
  }
  if (!web.enabled) throw new EvseError(EvseErrorCode.InvalidArgument, 'the status page is off in this config (web.enabled: false); enable it or pass --url');
  let host = web.host;
  if (host === '0.0.0.0' || host === '::') {
    const lan = firstLanIPv4(interfaces);
    if (lan === null) throw new EvseError(EvseErrorCode.InvalidArgument, 'this machine has no LAN IPv4 address; pass the address phones use with --url');
    host = lan;
  } else if (isLoopback(host)) {
    throw new EvseError(
      EvseErrorCode.InvalidArgument,
      `web.host is ${host}, which only this machine can reach; set web.host to "0.0.0.0" (or the LAN address) to show the page to phones, or pass --url`,
    );
  }
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return new URL(`http://${shown}:${web.port}/`).href;
}

/** The QR code of `url` for the terminal (half-block characters, dark on light) and as an SVG to print. */
export async function renderQr(url: string): Promise<{ terminal: string; svg: string }> {
  const [terminal, svg] = await Promise.all([
    QRCode.toString(url, { type: 'terminal', small: true, errorCorrectionLevel: 'M' }),
    QRCode.toString(url, { type: 'svg', margin: 4, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } }),
  ]);
  return { terminal, svg };
}

/** `evse qr`: the status page's LAN address as a QR code, to stick on the station for drivers' phones. */
export async function runQr(opts: QrOptions, deps: { readonly interfaces: () => Interfaces; readonly installed: InstalledService | null }): Promise<string> {
  const configPath = readSideConfigPath(opts.config, deps.installed);
  const web = configPath !== undefined ? loadConfigFile(configPath).web : webConfigSchema.parse({});
  const url = pageAddress(opts, web, deps.interfaces());
  const { terminal, svg } = await renderQr(url);
  if (opts.svg !== undefined) {
    // Whole or not at all: a half-written file would print as a code that scans wrong or not at all.
    const tmp = `${opts.svg}.tmp-${process.pid}`;
    writeFileSync(tmp, svg);
    renameSync(tmp, opts.svg);
  }
  return `${terminal}\n${url}\n${opts.svg !== undefined ? `SVG written to ${opts.svg}\n` : ''}`;
}

export function registerQrCommand(program: Command): void {
  program
    .command('qr')
    .description("print the status page's LAN address as a QR code (and write it as an SVG to stick on the station)")
    .option('--url <url>', 'the address to encode (default: web.host and web.port of the config; 0.0.0.0 → this machine’s LAN address)')
    .option('--svg <file>', 'also write the QR code to this SVG file, to print')
    .option('--config <file>', `station config (default: ${installedService.configPath} when it exists)`)
    .action(async (opts: QrOptions) => {
      process.stdout.write(await runQr(opts, { interfaces: networkInterfaces, installed: installedService }));
    });
}
