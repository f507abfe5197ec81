/**
 * The hardware contract against the real GPIO drivers over the virtual board. The drivers must see the board at
 * /sys/class, so they run in a child (mocha on fixtures/board.contract.spec.ts) in a private mount namespace made by
 * the board's namespace argv helper; the board itself runs here and plays the world on the child's requests.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { boardNamespaceArgv, namespaceUnavailable } from '../../../simulator/board/namespace.js';
import { startBoardSerialMeter } from '../../../simulator/board/serial-meter.js';
import { VirtualBoard } from '../../../simulator/board/virtual-board.js';
import { openPtyPair } from '../../../simulator/modbus/pty-pair.js';
import { requireTool } from '../../support/tools.js';
import { contractGpioConfig, meterPortEnv, type BoardCommand, type BoardReply, type BoardRequest } from './board-setup.js';
import { contractTiming } from './hardware-contract.js';

const fixture = fileURLToPath(new URL('./fixtures/board.contract.spec.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const mochaBin = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');

function play(board: VirtualBoard, command: BoardCommand): void {
  switch (command) {
    case 'reset':
      board.ev.unplug();
      board.ev.setS2(null);
      board.ev.setDiode(true);
      board.inject('welded', false);
      board.inject('fails-to-close', false);
      board.resetRcd();
      board.pressEmergencyStop(false);
      return;
    case 'plugEv':
      board.ev.plug();
      // S2 stays open until the test closes it (the EV would close it on its own after its reaction time).
      board.ev.setS2(false);
      return;
    case 'closeS2':
      board.ev.setS2(true);
      return;
    case 'removeDiode':
      board.ev.setDiode(false);
      return;
    case 'welded:on':
    case 'welded:off':
      board.inject('welded', command === 'welded:on');
      return;
    case 'fails-to-close:on':
    case 'fails-to-close:off':
      board.inject('fails-to-close', command === 'fails-to-close:on');
      return;
    case 'tripRcd':
      board.inject('rcd-trip', true);
      return;
    case 'pressEmergencyStop':
      board.pressEmergencyStop(true);
      return;
    case 'openS2For15ms':
      throw new Error('openS2For15ms is played with its timer in the message handler');
  }
}

describe('hardware contract: GPIO drivers over the virtual board (child in a private mount namespace)', function () {
  this.timeout(120_000);
  before(function () {
    requireTool(this, 'socat');
    const why = namespaceUnavailable();
    if (why === null) return;
    // Under CI a missing privilege is a failure: the test must run there.
    if (process.env['CI'] === 'true') throw new Error(`board contract cannot run under CI: ${why}`);
    process.stdout.write(`      skipped: ${why}\n`);
    this.skip();
  });

  it('every contract test passes on the board', async () => {
    const board = VirtualBoard.create({
      gpio: contractGpioConfig('/sys'),
      options: { relay: { pullInMs: contractTiming.pullInMs } },
    });
    board.start();
    // The board's meter on one end of a serial pair; the drivers' side opens the real Modbus driver on the other.
    const pair = await openPtyPair();
    const served = await startBoardSerialMeter(board, { port: pair.a, model: 'sdm630' });
    try {
      const argv = boardNamespaceArgv(board.classDir, [
        process.execPath,
        '--import',
        'tsx',
        mochaBin,
        '--no-config',
        '--no-package',
        '--extension',
        'ts',
        '--timeout',
        '20000',
        '--no-color',
        '--reporter',
        'spec',
        fixture,
      ]);
      const [cmd, ...args] = argv;
      assert.ok(cmd);
      const started = performance.now();
      const child = spawn(cmd, args, {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: { ...process.env, FORCE_COLOR: '0', [meterPortEnv]: pair.b },
      });
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      child.on('message', (msg: BoardRequest) => {
        if (msg.command === 'openS2For15ms') {
          // Played here on the board's own timers, so the pulse is not stretched by the channel to the child.
          board.ev.setS2(false);
          setTimeout(() => {
            board.ev.setS2(true);
            if (child.connected) child.send({ id: msg.id } satisfies BoardReply);
          }, 15);
          return;
        }
        const reply: BoardReply = (() => {
          try {
            play(board, msg.command);
            return { id: msg.id };
          } catch (err) {
            return { id: msg.id, error: err instanceof Error ? err.message : String(err) };
          }
        })();
        if (child.connected) child.send(reply);
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      const tookMs = performance.now() - started;
      assert.equal(code, 0, `the board side failed (exit ${String(code)}):\n${output}`);
      assert.match(output, /passing/, output);
      for (const part of ['ControlPilot', 'Contactor', 'StationInputs', 'EnergyMeter']) assert.match(output, new RegExp(part), `the child ran the ${part} tests:\n${output}`);
      assert.doesNotMatch(output, /failing|pending/, output);
      assert.equal(board.lastError(), null, `board loop error: ${String(board.lastError())}`);
      process.stdout.write(`      board side took ${Math.round(tookMs)} ms\n`);
    } finally {
      await served.close();
      await pair.close();
      board.remove();
    }
  });
});
