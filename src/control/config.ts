import { z } from 'zod';

// The control core's own sections of the config file (`limits`, `control`): it owns them, so the safety core depends
// on nothing but hal/ and this schema (src/config only assembles the sections).

/** The fixed ratings that bound the offered current; the smallest wins. */
export const limitsSchema = z
  .object({
    /** What the station's hardware is built for. */
    hardwareMaxA: z.number().min(6).max(80).default(32),
    /** Rating of the fixed cable or socket. */
    cableMaxA: z.number().min(6).max(80).default(32),
    /** Operator's setting, e.g. for the building's supply. */
    configuredMaxA: z.number().min(6).max(80).default(32),
  })
  .strict();

/** Timing and thresholds of the control core (REFERENCE.md gives the defaults). */
export const controlSchema = z
  .object({
    /** Charge without authorization (private wallbox). */
    freeVend: z.boolean().default(false),
    /** The station switches a ventilation output, so an EV asking for state D (IEC 61851-1) may charge; without it
     * state D is refused (fault ventilation-unavailable). */
    ventilationAvailable: z.boolean().default(false),
    /** End the session when the EV side disconnects (pilot state A). false keeps it, suspended with the contactor open,
     * until the EV comes back or a card, the CSMS, a fault or a reset ends it. The OCPP key (1.6
     * StopTransactionOnEVSideDisconnect, 2.0.1 TxCtrlr.StopTxOnEVSideDisconnect) overrides it once an uplink runs. */
    stopOnEvSideDisconnect: z.boolean().default(true),
    /** Force the contactor open when the EV keeps drawing this long after PWM was removed (3–6 s). */
    pwmRemovedForceOpenS: z.number().min(3).max(6).default(3),
    /** Least time between two non-safety PWM changes. */
    pwmChangeMinIntervalS: z.number().min(0).max(60).default(5),
    /** Upward pilot changes (B→C) must be stable this long; downward ones act at once. */
    pilotDebounceMs: z.number().int().min(0).max(50).default(20),
    /** Soft overcurrent: I > (offered + 0.5 A) × factor for this long. */
    softOvercurrentFactor: z.number().min(1).max(2).default(1.1),
    softOvercurrentS: z.number().min(6).max(60).default(7),
    /** Hard overcurrent: any phase above this trips at once. */
    hardOvercurrentA: z.number().min(6).max(120).default(40),
    /** Auxiliary contact must agree within this time of a command. */
    contactorFeedbackMs: z.number().int().min(10).max(2000).default(250),
    /** Meter: consecutive failed reads, or seconds without a good sample, before meter-communication-lost. */
    meterMaxFailures: z.number().int().min(1).max(100).default(3),
    meterMaxSilenceS: z.number().min(1).max(600).default(10),
    temperature: z
      .object({
        // Bounded to what an enclosure sensor can read: a threshold out there (stopC 1e9) silently disables the stop.
        derateC: z.number().min(-40).max(150).default(65),
        stopC: z.number().min(-40).max(150).default(71),
        resumeC: z.number().min(-40).max(150).default(55),
        /** Current offered while derated. */
        derateToA: z.number().min(6).max(80).default(10),
      })
      .strict()
      .refine((t) => t.resumeC < t.derateC && t.derateC < t.stopC, {
        message: 'temperature thresholds must satisfy resumeC < derateC < stopC',
      })
      .default({ derateC: 65, stopC: 71, resumeC: 55, derateToA: 10 }),
    voltage: z
      .object({
        // Bounded to mains a station can be wired to (120 V to 240 V nominal and their tolerances): minV -1e9 or
        // holdS 1e9 would silently disable the voltage faults.
        minV: z.number().min(80).max(300).default(195),
        maxV: z.number().min(80).max(300).default(253),
        /** How long a voltage must stay out of range before the fault is raised. */
        holdS: z.number().min(0).max(3600).default(2),
      })
      .strict()
      .refine((v) => v.minV < v.maxV, { message: 'voltage.minV must be below voltage.maxV' })
      .default({ minV: 195, maxV: 253, holdS: 2 }),
    /** The `retry` recovery rule (EV and switchgear faults: soft overcurrent, contactor fails to close): how many
     * automatic clears until the next unplug, and the wait before each; past the count a manual reset is needed. */
    faultRetryCount: z.number().int().min(0).max(100).default(3),
    faultRetryDelayS: z.number().min(0).max(3600).default(30),
    /** "Charging completed" (issue #7): with every phase current below this the EV counts as not drawing. The
     * `energy-flow-started` event uses the same threshold. */
    chargingCompleteBelowA: z.number().min(0.1).max(6).default(0.5),
    /** How long the EV must not draw before charging counts as completed (SuspendedEV completes at once). */
    chargingCompleteAfterS: z.number().min(0).max(3600).default(60),
  })
  .strict();

export type LimitsConfig = z.output<typeof limitsSchema>;
export type ControlConfig = z.output<typeof controlSchema>;
