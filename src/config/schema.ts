import { z } from 'zod';
import { controlSchema, limitsSchema } from '../control/config.js';
import { simulatorSchema } from '../../simulator/config.js';
import { stationSchema } from './station-schema.js';
import { ocppSchema } from '../ocpp/config.js';
import { journalConfigSchema } from '../journal/config.js';
import { gpioConfigSchema } from '../../hal/gpio/config.js';
import { meterConfigSchema } from '../../hal/modbus/config.js';
import { defaultTariff, tariffSchema } from '../billing/tariff-schema.js';
import { webConfigSchema } from '../web/config.js';
import { monitorSchema } from '../monitor/config.js';
import { mqttConfigSchema } from '../mqtt/config.js';
import { loadManagementSchema } from '../control/load/config.js';
import { alertsConfigSchema } from '../notify/config.js';

/**
 * The station's configuration: one schema for the whole file. Each area keeps its section in its own module;
 * this file only assembles them. Every section has defaults, so `{}` is a valid bench config.
 */
export const configSchema = z
  .object({
    station: stationSchema.default(stationSchema.parse({})),
    limits: limitsSchema.default(limitsSchema.parse({})),
    control: controlSchema.default(controlSchema.parse({})),
    simulator: simulatorSchema.default(simulatorSchema.parse({})),
    ocpp: ocppSchema.default(ocppSchema.parse({})),
    journal: journalConfigSchema.default(journalConfigSchema.parse({})),
    gpio: gpioConfigSchema.optional(),
    meter: meterConfigSchema.default(meterConfigSchema.parse({ driver: 'sim' })),
    tariff: tariffSchema.default(defaultTariff),
    web: webConfigSchema.default(webConfigSchema.parse({})),
    monitor: monitorSchema.default(monitorSchema.parse({})),
    mqtt: mqttConfigSchema.optional(),
    /** A mains meter at the grid connection and how the offer follows the building (absent: no load management). */
    loadManagement: loadManagementSchema.optional(),
    alerts: alertsConfigSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    // Tariff bands, reports and the status page all turn UTC into wall time in this zone: a typo must stop the start,
    // not make the first bill throw.
    if (!isTimeZone(cfg.station.timeZone)) {
      ctx.addIssue({
        code: 'custom',
        path: ['station', 'timeZone'],
        message: 'not an IANA time zone this Node.js knows, such as "Europe/Berlin" or "UTC"',
      });
    }
    // Two meters on one RS-485 line (or both on the simulator's line) need their own unit ids and the same line settings.
    const mains = cfg.loadManagement?.meter;
    const ev = cfg.meter;
    if (mains !== undefined) {
      const sameLine = mains.driver === 'sim' ? ev.driver === 'sim' : ev.driver === 'modbus' && ev.port === mains.port;
      if (sameLine && mains.unitId === ev.unitId) {
        ctx.addIssue({
          code: 'custom',
          path: ['loadManagement', 'meter', 'unitId'],
          message: `the mains meter shares the EV meter's line and both have unit id ${ev.unitId}: give each its own`,
        });
      }
      if (sameLine && mains.driver === 'modbus' && ev.driver === 'modbus') {
        for (const key of ['baudRate', 'parity', 'stopBits'] as const) {
          if (mains[key] !== ev[key]) {
            ctx.addIssue({
              code: 'custom',
              path: ['loadManagement', 'meter', key],
              message: `the mains meter shares the EV meter's port ${ev.port}, so its ${key} must be the line's: ${String(ev[key])}, got ${String(mains[key])}`,
            });
          }
        }
      }
    }
    // The MQTT alert channel publishes through the `mqtt` section's broker link: without one it could never deliver.
    if (cfg.alerts?.mqtt?.enabled === true && cfg.mqtt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['alerts', 'mqtt'], message: 'needs the `mqtt` section (the broker alerts are published to)' });
    }
  });

/** True when Intl accepts `name` as a time zone (`new Intl.DateTimeFormat('en', { timeZone })` throws RangeError otherwise). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

export type StationConfig = z.infer<typeof configSchema>;
export type { ControlConfig, LimitsConfig } from '../control/config.js';
