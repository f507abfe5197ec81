import type { EnergyMeter } from '../../../hal/meter.js';
import type { Clock } from '../../clock.js';
import type { StationConfig } from '../../config/schema.js';
import type { JournalReader } from '../../journal/ports.js';
import type { Logger } from '../../logger.js';
import type { SessionRecorder } from '../../session/recorder.js';
import { startStation, type Authorizer, type Station, type StationDeps, type StopAuthorizer } from '../../wiring/station.js';
import type { ModbusSlaveControl } from '../../../simulator/modbus/rtu-slave.js';
import { buildingProfiles, familyHouse, MainsMeterModel, type BuildingProfile } from '../../../simulator/building.js';
import { createVirtualModbusLine, createVirtualModbusMeter, type VirtualModbusMeterOptions } from '../../../simulator/modbus/virtual-meter.js';
import { DirectSimMeter } from '../../../simulator/sim-meter.js';
import { SimWorld } from '../../../simulator/world.js';
import type { SimContactorTiming } from '../../../simulator/sim-contactor.js';

export interface SimStationOptions {
  readonly config: StationConfig;
  readonly clock: Clock;
  /** Real time (meter silence), when `clock` is accelerated. */
  readonly ioClock?: Clock;
  readonly logger: Logger;
  readonly recorder?: SessionRecorder;
  readonly authorizer?: Authorizer;
  /** What a card tapped during a session does (the uplink's C09 / C16 / parentIdTag rules). */
  readonly stopAuthorizer?: StopAuthorizer;
  /** The journal's read side (when `recorder` is the journal): stopped sessions get their cost stored. */
  readonly reader?: JournalReader;
  /**
   * `modbus` (the default, what `evse sim` uses): the real Modbus driver reads the model through RTU frames over a
   * virtual line. `direct`: the model is read without a protocol (unit tests of the control core).
   */
  readonly meterPath?: 'modbus' | 'direct';
  /** The simulated meter's import register at start (a bench run continues where the journal left off). */
  readonly initialRegisterWh?: number;
  /** Physics tick of the simulated EV, ms (default 100). */
  readonly tickMs?: number;
  /** The simulated relay's timing (default: `defaultSimContactorTiming`); the reaction benchmark shortens its closing
   * interval, which only paces the trials: the open path it measures does not wait on it. */
  readonly contactorTiming?: Partial<SimContactorTiming>;
  /** A socket outlet with a cable lock (default: a fixed cable, no lock). */
  readonly cableLock?: boolean;
  /** Where faults and the driver's session events become alerts (the journal); without it they are not journaled. */
  readonly alerts?: StationDeps['alerts'];
  /** Runs after the meter is up and before the station starts (journal recovery reads the meter here). */
  readonly beforeStart?: (meter: EnergyMeter) => Promise<void>;
  /** The building around the station (default: the config's `simulator.building` profile), for load management. */
  readonly building?: BuildingProfile;
}

export interface SimStation {
  readonly world: SimWorld;
  readonly station: Station;
  readonly meter: EnergyMeter;
  /** The simulated Modbus meter's fault switch (null on the direct path). */
  readonly meterSlave: ModbusSlaveControl | null;
  /** The simulated mains meter of load management (a building on the same line), or null. */
  readonly mainsSlave: ModbusSlaveControl | null;
  /** Stops the station (stopping a running session with `reason`) and the world. */
  close(reason?: string): Promise<void>;
}

/** The simulated meter on its virtual RTU line as the config's `meter` section describes it (model, line, timing). */
export function virtualMeterOptions(meter: StationConfig['meter'], nowMs: () => number): VirtualModbusMeterOptions {
  const sim = meter.driver === 'sim' ? meter : null;
  return {
    model: sim?.model ?? 'sdm630',
    unitId: meter.unitId,
    baudRate: meter.baudRate,
    emulateLineTiming: sim?.emulateLineTiming ?? false,
    answerDelayMs: sim?.answerDelayMs ?? 0,
    timeoutMs: meter.timeoutMs,
    retries: meter.retries,
    nowMs,
  };
}

/** What a simulated run passes on to `startStation` besides the config and the hardware. */
export function stationRunOptions(opts: SimStationOptions): Omit<StationDeps, 'config' | 'hardware'> {
  return {
    clock: opts.clock,
    ...(opts.ioClock ? { ioClock: opts.ioClock } : {}),
    logger: opts.logger,
    ...(opts.recorder ? { recorder: opts.recorder } : {}),
    ...(opts.authorizer ? { authorizer: opts.authorizer } : {}),
    ...(opts.stopAuthorizer ? { stopAuthorizer: opts.stopAuthorizer } : {}),
    ...(opts.reader ? { reader: opts.reader } : {}),
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
  };
}

/** Builds the station on simulated hardware: the same control core, drivers swapped for the simulator's. */
export async function createSimStation(opts: SimStationOptions): Promise<SimStation> {
  const { config, clock } = opts;
  const ev = config.simulator.ev;
  const world = new SimWorld(clock, ev, opts.tickMs ?? 100, opts.initialRegisterWh, opts.contactorTiming);
  const source = () => world.electrical.sample(clock.nowMs());
  let meter: EnergyMeter;
  let closeMeterPath: () => Promise<void> = () => Promise.resolve();
  let meterSlave: ModbusSlaveControl | null = null;
  let mainsMeter: EnergyMeter | null = null;
  let mainsSlave: ModbusSlaveControl | null = null;
  const mainsConfig = config.loadManagement?.meter;
  if ((opts.meterPath ?? 'modbus') === 'modbus' && mainsConfig?.driver === 'sim') {
    // Load management on the simulator: the building's meter on the EV meter's virtual line, its own unit id.
    const building = config.simulator.building;
    const profile = opts.building ?? buildingProfiles.find((p) => p.name === building.profile) ?? familyHouse;
    const t0 = clock.nowMs();
    const mains = new MainsMeterModel(profile, source, (nowMs) => (building.startHour * 3600 + (nowMs - t0) / 1000) % 86_400, config.station.nominalVoltageV);
    const options = virtualMeterOptions(config.meter, () => clock.nowMs());
    const line = await createVirtualModbusLine(
      [
        { source, model: options.model, unitId: options.unitId ?? 1 },
        { source: () => mains.sample(clock.nowMs()), model: mainsConfig.model, unitId: mainsConfig.unitId },
      ],
      options,
    );
    const [evDevice, mainsDevice] = line.devices;
    if (evDevice === undefined || mainsDevice === undefined) throw new Error('unreachable: two devices asked for');
    world.meterSilence = (silent) => evDevice.slave.setFault(silent ? 'no-answer' : null);
    meter = evDevice.meter;
    meterSlave = evDevice.slave;
    mainsMeter = mainsDevice.meter;
    mainsSlave = mainsDevice.slave;
    closeMeterPath = () => line.close();
  } else if ((opts.meterPath ?? 'modbus') === 'modbus') {
    const virtual = await createVirtualModbusMeter(source, virtualMeterOptions(config.meter, () => clock.nowMs()));
    world.meterSilence = (silent) => virtual.slave.setFault(silent ? 'no-answer' : null);
    meter = virtual.meter;
    meterSlave = virtual.slave;
    closeMeterPath = () => virtual.close();
  } else {
    const direct = new DirectSimMeter(source);
    world.meterSilence = (silent) => {
      direct.silent = silent;
    };
    meter = direct;
  }
  world.start();
  await opts.beforeStart?.(meter);
  const station = await startStation({
    config,
    hardware: {
      meter,
      pilot: world.pilot,
      contactor: world.contactor,
      inputs: world.inputs,
      cableLock: opts.cableLock === true ? world.cableLock : null,
      mainsMeter,
    },
    ...stationRunOptions(opts),
  });
  return {
    world,
    station,
    meter,
    meterSlave,
    mainsSlave,
    async close(reason = 'Other') {
      await station.shutdown(reason);
      world.stop();
      await closeMeterPath().catch(() => undefined);
    },
  };
}
