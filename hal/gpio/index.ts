/** GPIO and sysfs PWM drivers of the station (Raspberry Pi-class boards). */
export {
  gpioConfigSchema,
  namedLines,
  type CableLockConfig,
  type GpioConfig,
  type GpioLineConfig,
  type PilotPwmConfig,
} from './config.js';
export { createGpioHardware, loadOnoffGpio, type GpioHardware, type GpioHardwareDeps } from './hardware.js';
export { forceOutputsSafe, type SafeOutputResult } from './force-safe.js';
export { GpioContactor, type GpioContactorOptions } from './contactor.js';
export type { ContactorFeedbackFault } from '../contactor.js';
export { GpioControlPilot, decodePilotState, type ComparatorLevels, type GpioPilotOptions } from './pilot.js';
export { GpioStationInputs } from './inputs.js';
export { GpioCableLock, type GpioCableLockOptions, type LockPosition } from './cable-lock.js';
export { GpioVentilation } from './ventilation.js';
export { listGpioChips, resolveLine, type SysfsGpioChip, type ResolvedLine } from './chip-resolver.js';
export type { GpioConstructor, GpioPin } from './lines.js';
