/**
 * Worker-thread entry that hosts a {@link VirtualBoard}: its poll loop gets an event loop of its own, as the kernel
 * has its own CPU time, so a driver that busy-waits on the main thread (onoff's export waits synchronously for the
 * gpio folder) does not stop the board. Posts its state every `postEveryMs` and after every command.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SharedMeterWindow } from './shared-meter.js';
import { VirtualBoard } from './virtual-board.js';
import type { BoardCommand, BoardReport, BoardState, BoardWorkerData } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('board-worker.ts runs as a worker thread');
const data = workerData as BoardWorkerData;
const post = (report: BoardReport): void => port.postMessage(report);

const board = VirtualBoard.create({
  gpio: data.gpio,
  options: data.options,
  onError: (err) => post({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
});
let appliedSeq = 0;

function state(): BoardState {
  const ev = board.ev.sim;
  const v = board.meterModel.voltagesV;
  return {
    type: 'state',
    appliedSeq,
    socPercent: ev.socPercent,
    full: ev.full,
    ignoresPwm: ev.ignoresPwm,
    voltagesV: [v[0], v[1], v[2]],
  };
}

const meter = new SharedMeterWindow(data.meter);
/** The reading and, for the reader to carry the register on while this thread is descheduled, its motion. */
function writeMeter(): void {
  const motion = board.meterMotion();
  // The board ticks on performance.now(); the reader in the other thread measures on the shared clock.
  meter.write(board.meterSample(), motion === null ? null : { ...motion, atMs: performance.timeOrigin + motion.tickMs });
}
writeMeter();
board.start();
// The meter's register moves with the board, not with the posts: every millisecond into shared memory.
const meterWriter = setInterval(writeMeter, 1);
const poster = setInterval(() => post(state()), data.postEveryMs);
post({ type: 'ready', w1DevicesDir: board.w1DevicesDir, state: state() });

port.on('message', (cmd: BoardCommand) => {
  switch (cmd.type) {
    case 'plug':
      board.ev.plug();
      break;
    case 'unplug':
      board.ev.unplug();
      break;
    case 'replace-ev':
      board.ev.replaceEv(cmd.profile);
      break;
    case 'inject':
      board.inject(cmd.fault, cmd.active);
      break;
    case 'temperature':
      board.setTemperature(cmd.celsius);
      break;
    case 'voltages':
      board.meterModel.voltagesV = cmd.voltagesV;
      break;
    case 'ev-ignores-pwm':
      board.ev.sim.ignoresPwm = cmd.active;
      break;
    case 'stop':
      clearInterval(poster);
      clearInterval(meterWriter);
      board.remove();
      post({ type: 'stopped' });
      port.close();
      return;
  }
  appliedSeq = cmd.seq;
  post(state());
});
