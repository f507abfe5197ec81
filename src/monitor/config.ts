import { z } from 'zod';

/** One detector's section: on by default, with its thresholds (each defaulted, so `{}` is a complete section). */
function detector<T extends z.ZodRawShape>(shape: T) {
  const schema = z.object({ enabled: z.boolean().default(true), ...shape }).strict();
  // prefault: an absent section is parsed as `{}`, so every threshold takes its default.
  return schema.prefault({} as z.input<typeof schema>);
}

// Every threshold has an upper bound too: a value like 1e12 is a typo, and taken as given it would silently switch
// its detector off (the configuration fuzz of the reliability suite checks this).
const positive = (fallback: number, max: number) => z.number().positive().max(max).default(fallback);
const fraction = (fallback: number) => z.number().gt(0).lt(1).default(fallback);
const count = (fallback: number, max: number) => z.number().int().min(1).max(max).default(fallback);
const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/**
 * The anomaly detectors (`src/monitor`): what faults do not catch. Each one can be switched off and tuned; the
 * defaults are set so that no normal charge (the simulator's scenarios, a random normal session) raises anything.
 */
export const monitorSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** The same finding (same dedup key) raises one alert while it persists; after this quiet time it is new again. */
    dedupQuietS: positive(3600, 7 * DAY_S),
    /** How often the station-level detectors (CSMS link, plug-ins without success, disk) are evaluated. */
    checkIntervalS: positive(60, HOUR_S),

    // Sample level
    /** Current or energy with the contactor commanded open (welded contact, bypass, unauthorized use). */
    energyWhileOpen: detector({ graceS: positive(5, 600), minCurrentA: positive(1, 80), minEnergyWh: positive(5, 100_000) }),
    /** The register counting while no authorized session runs. */
    energyWithoutSession: detector({ graceS: positive(10, HOUR_S), minEnergyWh: positive(10, 100_000) }),
    /** The register going backwards or jumping more than `maxPowerW` could deliver in the time elapsed. */
    registerJump: detector({ maxPowerW: positive(26_000, 500_000), toleranceWh: positive(5, 100_000) }),
    /** Current above the offer beyond a tolerance, after the IEC 61851-1 reaction time of the EV. */
    overOffer: detector({ toleranceA: positive(2, 80), reactionS: positive(6, 600), holdS: positive(3, HOUR_S) }),
    /** Per phase, P against V × I: above it (impossible) or below the lowest plausible power factor. */
    powerPlausibility: detector({
      maxExcess: fraction(0.05),
      minPowerFactor: fraction(0.7),
      minApparentVa: positive(500, 100_000),
      consecutiveSamples: count(3, 10_000),
    }),
    /** A three-phase session whose phase currents differ: (max − min) / max above `maxRatio`. */
    phaseImbalance: detector({ maxRatio: fraction(0.3), minCurrentA: positive(4, 80), holdS: positive(120, DAY_S) }),
    /** An EV drawing far below the offer (all phases together) for long while it draws at all. */
    underDraw: detector({ maxFraction: fraction(0.25), minCurrentA: positive(1, 80), holdS: positive(1800, DAY_S) }),
    /** The import register not moving while the reported power should have moved it by `minEnergyWh`. */
    frozenMeter: detector({ minEnergyWh: positive(20, 100_000) }),

    // Session level
    /** A session that delivered no energy (a start-up failure). */
    zeroEnergy: detector({ maxWh: z.number().int().min(0).max(100_000).default(0) }),
    /** `count` sessions shorter than `maxDurationS` on one connector within `windowH`. */
    shortSessions: detector({ maxDurationS: positive(120, DAY_S), count: count(3, 10_000), windowH: positive(1, 30 * 24) }),
    /** More suspend/resume cycles than this in one session. */
    suspendCycles: detector({ maxCycles: count(20, 100_000) }),
    /** More energy in one session than a plausible battery holds. */
    sessionEnergy: detector({ maxWh: positive(150_000, 1_000_000) }),
    /** A session that a fault ended. */
    sessionFault: detector({}),

    // Station level
    /** The same fault raised more than `maxCount` times within `windowH`. */
    faultRepeat: detector({ maxCount: count(3, 10_000), windowH: positive(24, 30 * 24) }),
    /** No successful session (at least `minEnergyWh`) for `days` while at least `minPlugIns` plug-ins happened. */
    noSuccess: detector({ days: positive(3, 365), minPlugIns: count(3, 10_000), minEnergyWh: positive(100, 100_000) }),
    /** The CSMS link down longer than this. */
    csmsDown: detector({ maxDownMin: positive(30, 30 * 24 * 60) }),
    /** The journal's file system nearly full. */
    diskFull: detector({ minFreeFraction: fraction(0.05), minFreeMb: positive(100, 1_000_000), checkIntervalS: positive(300, DAY_S) }),
  })
  .strict();

export type MonitorConfig = z.infer<typeof monitorSchema>;
