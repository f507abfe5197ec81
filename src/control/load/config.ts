import { z } from 'zod';
import { meterConfigSchema } from '../../../hal/modbus/config.js';

/** The lowest current a pilot can offer: below it nothing charges. */
const MIN_A = 6;

/**
 * The `loadManagement` section: a second meter at the grid connection, the building's main fuse, and how the offer
 * follows the building (`off`, `fuse`, `solar`, `solar-min`). Bad combinations are refused naming the field.
 */
export const loadManagementSchema = z
  .object({
    mode: z.enum(['off', 'fuse', 'solar', 'solar-min']).default('off'),
    /**
     * The mains meter: any model the meter driver supports. On the EV meter's serial port (same `port`) it shares the
     * line, with its own `unitId`; `driver: "sim"` is the simulator's building.
     */
    meter: meterConfigSchema.default(meterConfigSchema.parse({ driver: 'sim', unitId: 2 })),
    /** The main fuse per phase, A. */
    fuseA: z.number().max(630).default(25),
    /** Kept free below the fuse, A. */
    marginA: z.number().min(0).max(100).default(2),
    /** Offered while the mains meter is lost (fuse mode); solar modes pause. Never "the building is idle". */
    fallbackA: z.number().min(MIN_A).max(80).default(MIN_A),
    /** The building has PV: export (negative current) is then plausible, and solar modes make sense. */
    pvInstalled: z.boolean().default(false),
    solar: z
      .object({
        /** Start once the surplus has stayed at or above this for `startHoldS`; default: 6 A on the station's phases. */
        startSurplusW: z.number().min(0).max(100_000).optional(),
        /** Stop once the surplus has stayed below this for `stopHoldS`; default: half the start threshold. */
        stopSurplusW: z.number().min(0).max(100_000).optional(),
        startHoldS: z.number().min(0).max(3600).default(60),
        stopHoldS: z.number().min(0).max(3600).default(300),
      })
      .strict()
      .default({ startHoldS: 60, stopHoldS: 300 }),
  })
  .strict()
  .superRefine((lm, ctx) => {
    if (lm.fuseA < MIN_A) {
      ctx.addIssue({ code: 'custom', path: ['fuseA'], message: `a fuse below ${MIN_A} A leaves nothing to charge with, got ${lm.fuseA}` });
    } else if (lm.fuseA - lm.marginA < MIN_A) {
      ctx.addIssue({
        code: 'custom',
        path: ['marginA'],
        message: `fuse ${lm.fuseA} A minus margin ${lm.marginA} A leaves less than ${MIN_A} A for the EV`,
      });
    }
    if (lm.fallbackA > lm.fuseA) {
      ctx.addIssue({ code: 'custom', path: ['fallbackA'], message: `the safe current ${lm.fallbackA} A is above the fuse ${lm.fuseA} A` });
    }
    const { startSurplusW, stopSurplusW } = lm.solar;
    if (startSurplusW !== undefined && stopSurplusW !== undefined && stopSurplusW > startSurplusW) {
      ctx.addIssue({
        code: 'custom',
        path: ['solar', 'stopSurplusW'],
        message: `the stop threshold ${stopSurplusW} W must not be above the start threshold ${startSurplusW} W (no hysteresis: it would flap)`,
      });
    }
    if ((lm.mode === 'solar' || lm.mode === 'solar-min') && !lm.pvInstalled) {
      ctx.addIssue({ code: 'custom', path: ['pvInstalled'], message: `mode "${lm.mode}" charges from PV surplus: set pvInstalled to true` });
    }
  });

export type LoadManagementConfig = z.output<typeof loadManagementSchema>;
