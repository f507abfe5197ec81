import { z } from 'zod';
import { controlSchema, limitsSchema, simulatorSchema, stationSchema } from './control-schema.js';
import { ocppSchema } from '../ocpp/config.js';
import { journalConfigSchema } from '../journal/config.js';
import { gpioConfigSchema } from '../../hal/gpio/config.js';
import { meterConfigSchema } from '../../hal/modbus/config.js';
import { defaultTariff, tariffSchema } from '../billing/tariff-schema.js';
import { webConfigSchema } from '../web/config.js';

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
  })
  .strict();

export type StationConfig = z.infer<typeof configSchema>;
export type ControlConfig = StationConfig['control'];
export type LimitsConfig = StationConfig['limits'];
