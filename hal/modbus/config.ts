import { z } from 'zod';
import { registerTypes, wordOrders } from './codec.js';
import { meterQuantities, missingQuantities } from './register-map.js';

/** Meter families with a built-in register map, plus `custom` (map given in the config). */
export const meterModels = ['sdm630', 'sdm72d', 'sdm120', 'sdm230', 'em340', 'eem350', 'abb-b23', 'custom'] as const;
export type MeterModel = (typeof meterModels)[number];
/** Models the simulator can serve (every built-in map). */
export const builtInMeterModels = ['sdm630', 'sdm72d', 'sdm120', 'sdm230', 'em340', 'eem350', 'abb-b23'] as const;
export type BuiltInMeterModel = (typeof builtInMeterModels)[number];

export const parities = ['none', 'even', 'odd'] as const;
export type Parity = (typeof parities)[number];

/** One register field of a custom map: value = raw × scale, in V, A, W, Wh or Hz. */
export const registerFieldSchema = z
  .object({
    address: z.number().int().min(0).max(0xffff),
    type: z.enum(registerTypes),
    wordOrder: z.enum(wordOrders).default('high-first'),
    scale: z.number().positive().finite().default(1),
  })
  .strict();

const customFieldsShape = Object.fromEntries(meterQuantities.map((q) => [q, registerFieldSchema.optional()])) as Record<
  (typeof meterQuantities)[number],
  z.ZodOptional<typeof registerFieldSchema>
>;

/** A register map described in the config, for a meter without a built-in map. */
export const customMapSchema = z
  .object({
    name: z.string().min(1).default('custom'),
    phases: z.union([z.literal(1), z.literal(3)]).default(3),
    functionCode: z.union([z.literal(3), z.literal(4)]).default(4),
    maxRegistersPerRequest: z.number().int().min(1).max(125).default(60),
    maxGapRegisters: z.number().int().min(0).max(124).default(0),
    fields: z.object(customFieldsShape).strict(),
  })
  .strict()
  .superRefine((map, ctx) => {
    const missing = missingQuantities(map);
    if (missing.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['fields'], message: `custom map lacks ${missing.join(', ')}` });
    }
  });
export type CustomMapConfig = z.output<typeof customMapSchema>;

/** Polling settings shared by the real and the simulated meter. */
const pollingShape = {
  /** Poll interval of the station's meter poller. */
  pollIntervalMs: z.number().int().min(100).max(60_000).default(1000),
  /** How long one request waits for the answer. */
  timeoutMs: z.number().int().min(20).max(10_000).default(500),
  /** Extra attempts of a failed request within one read. */
  retries: z.number().int().min(0).max(5).default(1),
  unitId: z.number().int().min(1).max(247).default(1),
  baudRate: z.number().int().min(2400).max(38_400).default(9600),
};

/** A real meter on a serial line. */
export const modbusMeterConfigSchema = z
  .object({
    driver: z.literal('modbus'),
    /** Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/… */
    port: z.string().min(1),
    parity: z.enum(parities).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    model: z.enum(meterModels),
    /** Required when model is `custom`, refused otherwise. */
    customMap: customMapSchema.optional(),
    ...pollingShape,
  })
  .strict();
export type ModbusMeterConfig = z.output<typeof modbusMeterConfigSchema>;

/** The simulator's meter model served over a virtual Modbus link (the real driver reads it). */
export const simMeterConfigSchema = z
  .object({
    driver: z.literal('sim'),
    model: z.enum(builtInMeterModels).default('sdm630'),
    /** Delay each frame by its byte times and the t3.5 gap at `baudRate`. */
    emulateLineTiming: z.boolean().default(false),
    /** The simulated meter's answer latency. */
    answerDelayMs: z.number().int().min(0).max(5000).default(0),
    ...pollingShape,
  })
  .strict();
export type SimMeterConfig = z.output<typeof simMeterConfigSchema>;

/** The `meter` section of the station config. */
export const meterConfigSchema = z
  .discriminatedUnion('driver', [modbusMeterConfigSchema, simMeterConfigSchema])
  .superRefine((cfg, ctx) => {
    if (cfg.driver !== 'modbus') return;
    if (cfg.model === 'custom' && cfg.customMap === undefined) {
      ctx.addIssue({ code: 'custom', path: ['customMap'], message: 'model "custom" needs a customMap' });
    }
    if (cfg.model !== 'custom' && cfg.customMap !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['customMap'], message: `customMap is only read with model "custom", not "${cfg.model}"` });
    }
  });
export type MeterConfig = z.output<typeof meterConfigSchema>;
