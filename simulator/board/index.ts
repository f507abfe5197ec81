/** The virtual board: a Raspberry Pi's sysfs GPIO/PWM/1-wire trees with the reference circuit behind them. */
export { VirtualBoard, boardFaults, pilotOutputOf, type BoardEv, type BoardFault, type CoilChange, type VirtualBoardCreateOptions } from './virtual-board.js';
export { boardOptionsSchema, parseBoardOptions, raspberryPi4Kernel66Chips, type BoardChip, type BoardOptions, type BoardOptionsInput } from './options.js';
export { wireBoard, findBoardChip, type BoardGpioConfig, type BoardLineConfig, type BoardWiring } from './wiring.js';
export { boardNamespaceArgv, namespaceUnavailable } from './namespace.js';
export { startBoardSerialMeter, boardSerialMeterOptionsSchema, type BoardSerialMeter, type BoardSerialMeterOptions } from './serial-meter.js';
export {
  pilotCircuit,
  comparatorThresholdsV,
  detectorChargeTauMs,
  detectorDecayTauMs,
  negativeLevelSettleMs,
  cpLevels,
  generatorWave,
  comparatorOutputs,
  NegativePeakHold,
} from './pilot-circuit.js';
export { SysfsKernel } from './sysfs-kernel.js';
export { layOutSysfsTree, type SysfsTree } from './sysfs-tree.js';
export { RelayModel } from './relay.js';
export { LockMotorModel } from './lock-motor.js';
export { RcdModel } from './rcd.js';
export { Ds18b20Files, ds18b20Faults, type Ds18b20Fault } from './ds18b20.js';
