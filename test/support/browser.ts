import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { requireTool } from './tools.js';

/**
 * Debian's Chromium, headless, driven by playwright-core (which downloads no browser of its own). Outside CI a missing
 * chromium skips the test with the apt-get line; under CI it fails (.ci/run installs it).
 */
export async function launchChromium(ctx: Mocha.Context): Promise<Browser> {
  requireTool(ctx, 'chromium');
  const executablePath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  return chromium.launch({
    executablePath,
    headless: true,
    // Root in CI needs --no-sandbox; the rest keeps Chromium off this machine's closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
