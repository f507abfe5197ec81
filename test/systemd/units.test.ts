import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerMeterCommands } from '../../src/commands/meter.js';
import { registerRunCommand } from '../../src/commands/run.js';
import { registerSafeCommand } from '../../src/commands/safe.js';
import { failSafeScriptName, failSafeScriptPath } from '../../src/daemon/fail-safe-script.js';
import { requireTool } from '../support/tools.js';

const systemdDir = fileURLToPath(new URL('../../systemd/', import.meta.url));
const unitText = (name: string): string => readFileSync(join(systemdDir, name), 'utf8');

/** `Key=value` lines of a unit (all values of a repeated key). */
function settings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

/**
 * A throwaway root for `systemd-analyze verify --root`: the distribution's units (sysinit.target …), a stand-in
 * /usr/bin/evse and the config the unit's condition names. Nothing is written outside it.
 */
function verifyRoot(units: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'evse-unit-root-'));
  const systemUnits = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((p) => existsSync(p));
  if (systemUnits) cpSync(systemUnits, join(root, 'usr/lib/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/evse'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(root, 'usr/bin/evse'), 0o755);
  // ExecReload sends SIGHUP with kill(1); ExecStopPost runs the fail-safe script with sh.
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const tool of ['kill', 'sh']) {
    writeFileSync(join(root, 'bin', tool), '#!/bin/sh\nexit 0\n');
    chmodSync(join(root, 'bin', tool), 0o755);
  }
  mkdirSync(join(root, 'etc/evse'), { recursive: true });
  writeFileSync(join(root, 'etc/evse/config.json'), '{}\n');
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  for (const unit of units) cpSync(join(systemdDir, unit), join(root, 'etc/systemd/system', unit));
  return root;
}

function exposure(unit: string): number {
  const run = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', join(systemdDir, unit)], {
    encoding: 'utf8',
  });
  const text = `${run.stdout}${run.stderr}`;
  const match = /Overall exposure level for .*: (\d+(?:\.\d+)?)/.exec(text);
  assert.ok(match, `no exposure figure in:\n${text}`);
  return Number(match[1]);
}

describe('systemd units', function () {
  this.timeout(60_000);

  for (const unit of ['evse.service', 'evse-meter-sim.service']) {
    it(`${unit} passes systemd-analyze verify`, function () {
      requireTool(this, 'systemd-analyze', 'systemd');
      const root = verifyRoot([unit]);
      try {
        const run = spawnSync('systemd-analyze', ['verify', `--root=${root}`, unit], { encoding: 'utf8' });
        assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
        assert.equal(run.stderr.trim(), '', 'no warnings');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  it('verify fails when the ExecStart binary is missing (the check can fail)', function () {
    requireTool(this, 'systemd-analyze', 'systemd');
    const root = verifyRoot(['evse.service']);
    try {
      rmSync(join(root, 'usr/bin/evse'));
      const run = spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'evse.service'], { encoding: 'utf8' });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /\/usr\/bin\/evse is not executable/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('evse.service: systemd-analyze security --offline exposure is 2.0 or lower', function () {
    requireTool(this, 'systemd-analyze', 'systemd');
    const figure = exposure('evse.service');
    process.stdout.write(`      evse.service overall exposure: ${figure.toFixed(1)}\n`);
    assert.ok(figure <= 2.0, `exposure ${figure} > 2.0`);
  });

  it('evse-meter-sim.service: exposure is 2.0 or lower too', function () {
    requireTool(this, 'systemd-analyze', 'systemd');
    const figure = exposure('evse-meter-sim.service');
    process.stdout.write(`      evse-meter-sim.service overall exposure: ${figure.toFixed(1)}\n`);
    assert.ok(figure <= 2.0, `exposure ${figure} > 2.0`);
  });

  it('evse.service has what the station needs: notify + watchdog, restart, user, groups, directories, safe stop', () => {
    const s = settings(unitText('evse.service'));
    const one = (key: string): string | undefined => s.get(key)?.at(-1);
    assert.equal(one('Type'), 'notify');
    assert.match(one('WatchdogSec') ?? '', /^\d+s$/);
    assert.equal(one('Restart'), 'always');
    assert.equal(one('RestartPreventExitStatus'), '65 78', 'a config error or a journal from a newer evse does not restart in a loop');
    assert.equal(one('User'), 'evse');
    assert.equal(one('SupplementaryGroups'), 'gpio dialout');
    assert.equal(one('StateDirectory'), 'evse');
    assert.equal(one('ConfigurationDirectory'), 'evse');
    assert.equal(one('ConditionFileNotEmpty'), '/etc/evse/config.json');
    assert.equal(one('ExecStart'), '/usr/bin/evse run --config /etc/evse/config.json --state-dir /var/lib/evse');
    assert.deepEqual(
      s.get('ExecStopPost'),
      [`-/bin/sh /run/evse/${failSafeScriptName}`, '/usr/bin/evse safe --config /etc/evse/config.json'],
      'the shell fallback first (milliseconds), then the Node one',
    );
    // The daemon writes the script to $RUNTIME_DIRECTORY, which RuntimeDirectory=evse makes /run/evse; kept for ExecStopPost.
    assert.equal(one('RuntimeDirectory'), 'evse');
    assert.equal(one('RuntimeDirectoryPreserve'), 'yes');
    assert.equal(failSafeScriptPath({ RUNTIME_DIRECTORY: `/run/${one('RuntimeDirectory') ?? ''}` }, '/var/lib/evse'), `/run/evse/${failSafeScriptName}`);
    // systemctl reload is SIGHUP, which the daemon treats as a reload (never a stop).
    assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
    for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'ProtectKernelModules', 'ProtectKernelLogs']) {
      assert.equal(one(key), 'yes', key);
    }
    assert.equal(one('ProtectSystem'), 'strict');
    assert.equal(one('CapabilityBoundingSet'), '');
  });

  it('the commands and options the unit runs exist in the evse CLI', () => {
    // Not src/cli.ts itself: its "invoked directly" test matches mocha's own lib/cli/cli.js and would run main().
    const program = new Command('evse');
    registerRunCommand(program);
    registerSafeCommand(program);
    registerMeterCommands(program);
    const options = (name: string): string[] =>
      program.commands.find((c) => c.name() === name)?.options.map((o) => o.long ?? '') ?? [];
    assert.ok(options('run').includes('--config') && options('run').includes('--state-dir'));
    assert.ok(options('safe').includes('--config'));
    assert.ok(options('meter-sim').includes('--port') && options('meter-sim').includes('--model'));
  });

  it('the udev rules are well-formed KEY op "value" lists that give group gpio the GPIO and PWM files', () => {
    const rules = unitText('99-evse-gpio.rules')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    assert.ok(rules.length >= 3);
    for (const rule of rules) {
      const pairs = rule.split(/,\s*(?=[A-Z]+(?:\{[^}]*\})?(?:==|!=|\+=|:=|=)")/);
      for (const pair of pairs) assert.match(pair, /^[A-Z]+(\{[^}]*\})?(==|!=|\+=|:=|=)"[^"]*"$/, `bad pair: ${pair}`);
      assert.match(rule, /gpio/);
    }
    assert.ok(rules.some((r) => r.includes('SUBSYSTEM=="pwm"')));
    if (spawnSync('sh', ['-c', 'command -v udevadm']).status === 0) {
      // systemd ≥ 254 has `udevadm verify`; older ones do not, and the parse above is the check there.
      const help = execFileSync('udevadm', ['--help'], { encoding: 'utf8' });
      if (help.includes('verify')) execFileSync('udevadm', ['verify', join(systemdDir, '99-evse-gpio.rules')]);
    }
  });
});
