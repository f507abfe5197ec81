import assert from 'node:assert/strict';
import { modbusMeterConfigSchema } from '../../../hal/modbus/config.js';
import { ModbusMeter } from '../../../hal/modbus/driver.js';
import { startBoardSerialMeter } from '../../../simulator/board/serial-meter.js';
import { VirtualBoard } from '../../../simulator/board/virtual-board.js';
import { createVirtualModbusMeter } from '../../../simulator/modbus/virtual-meter.js';
import { requireTool } from '../../support/tools.js';
import { openPtyPair } from '../../../simulator/modbus/pty-pair.js';
import { boardGpioConfig } from './support.js';

/** A board whose EV charges at 16 A through closed contacts (the relay line forced by hand, no driver). */
function chargingBoard(): VirtualBoard {
  let physics = 0;
  const board = VirtualBoard.create({ gpio: boardGpioConfig(), options: { ev: { reactionMs: 0 } }, physicsMs: () => physics });
  board.meterModel.setCurrents(16, 3);
  board.meterModel.integrate(3_600_000 / 11_040); // one Wh at 11.04 kW
  physics = 1;
  return board;
}

describe('virtual board: its meter over Modbus', function () {
  this.timeout(10_000);

  it('serves meterSample() through the real driver over a virtual line', async () => {
    const board = chargingBoard();
    const vm = await createVirtualModbusMeter(() => board.meterSample(), { model: 'sdm630' });
    try {
      const s = await vm.meter.read();
      assert.equal(s.importWh, board.meterSample().importWh);
      assert.equal(s.importWh, 1_234_568);
    } finally {
      await vm.close();
      board.remove();
    }
  });

  it('startBoardSerialMeter answers on a pseudo-terminal pair', async function () {
    requireTool(this, 'socat');
    const board = chargingBoard();
    const pair = await openPtyPair();
    try {
      const [slavePath, masterPath] = [pair.a, pair.b];
      const served = await startBoardSerialMeter(board, { port: slavePath, model: 'sdm630', answerDelayMs: 5 });
      const meter = await ModbusMeter.open(modbusMeterConfigSchema.parse({ driver: 'modbus', port: masterPath, model: 'sdm630' }));
      try {
        const s = await meter.read();
        assert.equal(s.importWh, 1_234_568);
        assert.ok(Math.abs(s.totalPowerW - 11_040) < 1, `${s.totalPowerW} W`);
        assert.equal(served.slave.requests() >= 1, true);
      } finally {
        await meter.close();
        await served.close();
      }
      await assert.rejects(startBoardSerialMeter(board, { port: slavePath, baudRate: 7 }), /baudRate/);
    } finally {
      await pair.close();
      board.remove();
    }
  });
});
