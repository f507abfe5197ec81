import { z } from 'zod';
import type { CostBreakdown } from './cost.js';
import { decimalToMicros, divideRoundHalfUp, normalizeDecimal } from './decimal.js';

/**
 * The billing side of the OCPP 1.6 cost extension (DataTransfer vendorId `org.openchargealliance.costmsg`, the OCA
 * "California Pricing" whitepaper): validating the `data` the CSMS sends, and comparing its figures with ours. The
 * DataTransfer handler itself belongs to src/ocpp; it passes the `messageId` and the `data` string here.
 */
export const costMsgVendorId = 'org.openchargealliance.costmsg';

const price = z.number().nonnegative();
const chargingPriceSchema = z.object({ kWhPrice: price.optional(), hourPrice: price.optional(), flatFee: price.optional() });
const idlePriceSchema = z.object({ graceMinutes: z.number().int().nonnegative().optional(), hourPrice: price.optional() });

/** RunningCost: the CSMS's cost of a running transaction (cost in the major unit, tax included). */
export const runningCostDataSchema = z.object({
  transactionId: z.number().int(),
  timestamp: z.string().min(1),
  /** Register in Wh the cost refers to. */
  meterValue: z.number().int().nonnegative(),
  cost: price,
  state: z.enum(['Charging', 'Idle']),
  chargingPrice: chargingPriceSchema,
  idlePrice: idlePriceSchema.optional(),
  nextPeriod: z
    .object({ atTime: z.string().min(1), chargingPrice: chargingPriceSchema.optional(), idlePrice: idlePriceSchema.optional() })
    .optional(),
  triggerMeterValue: z
    .object({
      atTime: z.string().optional(),
      atEnergykWh: z.number().optional(),
      atPowerkW: z.number().optional(),
      atCPStatus: z.array(z.string()).optional(),
    })
    .optional(),
});

/** FinalCost: the CSMS's final cost of a transaction. */
export const finalCostDataSchema = z.object({
  transactionId: z.number().int(),
  cost: price,
  priceText: z.string(),
  priceTextExtra: z.array(z.object({ format: z.string(), language: z.string(), content: z.string() })).optional(),
  qrCodeText: z.string().optional(),
});

/** SetUserPrice: the price text to show a driver once identified (display only, never used to compute). */
export const setUserPriceDataSchema = z.object({
  idToken: z.string().min(1),
  priceText: z.string(),
  priceTextExtra: z.array(z.object({ format: z.string(), language: z.string(), content: z.string() })).optional(),
});

/**
 * The `DefaultPrice` configuration key (JSON text): what the driver is shown before identifying (priceText) and while
 * the station is offline (priceTextOffline). Its chargingPrice is kept for the operator's reference; the station's own
 * tariff computes the running cost (see src/billing/README.md).
 */
export const defaultPriceSchema = z
  .object({
    priceText: z.string().min(1).max(512),
    priceTextOffline: z.string().min(1).max(512).optional(),
    chargingPrice: chargingPriceSchema.optional(),
  })
  .passthrough();

export type DefaultPrice = z.infer<typeof defaultPriceSchema>;

/** Parses the DefaultPrice key's value; the reason names the field when it is refused. */
export function parseDefaultPrice(text: string): { ok: true; price: DefaultPrice } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `DefaultPrice is not JSON: ${(err as Error).message}` };
  }
  const result = defaultPriceSchema.safeParse(json);
  if (result.success) return { ok: true, price: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: `DefaultPrice.${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}

/** Sent by the station (CustomIdleFeeAfterStop): the cable left after the transaction stopped; idle time ends here. */
export const connectorUnpluggedMessageId = 'ConnectorUnplugged';

export type RunningCostData = z.infer<typeof runningCostDataSchema>;
export type FinalCostData = z.infer<typeof finalCostDataSchema>;
export type SetUserPriceData = z.infer<typeof setUserPriceDataSchema>;

export type CostMsg =
  | { readonly messageId: 'RunningCost'; readonly data: RunningCostData }
  | { readonly messageId: 'FinalCost'; readonly data: FinalCostData }
  | { readonly messageId: 'SetUserPrice'; readonly data: SetUserPriceData };

/**
 * Why a costmsg was refused: `unknown-message-id` (not one of ours: DataTransfer answers UnknownMessageId) or
 * `malformed` (ours, but its data breaks the schema: Rejected). Handlers branch on this, never on the reason's text.
 */
export type CostMsgRefusal = 'unknown-message-id' | 'malformed';

/**
 * Parses the `data` string of a costmsg DataTransfer. Returns the message, or why it is refused (`code`) with a reason
 * for the log (naming the field and value), so the handler can answer UnknownMessageId/Rejected and change nothing.
 */
export function parseCostMsg(
  messageId: string,
  data: unknown,
): { ok: true; message: CostMsg } | { ok: false; code: CostMsgRefusal; reason: string } {
  const schema =
    messageId === 'RunningCost' ? runningCostDataSchema : messageId === 'FinalCost' ? finalCostDataSchema : messageId === 'SetUserPrice' ? setUserPriceDataSchema : null;
  if (schema === null) return { ok: false, code: 'unknown-message-id', reason: `unknown messageId ${JSON.stringify(messageId)}` };
  let json: unknown;
  try {
    json = typeof data === 'string' ? JSON.parse(data) : data;
  } catch (err) {
    return { ok: false, code: 'malformed', reason: `data is not JSON: ${(err as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    return { ok: false, code: 'malformed', reason: `${messageId}.${path || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, message: { messageId, data: result.data } as CostMsg };
}

/** How the CSMS's figure compares with the local computation, in minor units. */
export interface CostComparison {
  readonly localMinor: number;
  readonly csmsMinor: number;
  /** csms − local. */
  readonly differenceMinor: number;
  readonly agrees: boolean;
}

/**
 * Compares a CSMS cost (major unit, as a JSON number) with the local breakdown. The CSMS figure is converted exactly
 * from its decimal text and rounded half-up to the currency's minor unit, like ours. A difference is for the log:
 * when the CSMS speaks, its figure is what the driver sees.
 */
export function compareWithCsms(local: CostBreakdown, csmsCost: number): CostComparison {
  const normalized = normalizeDecimal(csmsCost.toFixed(6));
  if (!normalized.ok) throw new RangeError(`CSMS cost ${csmsCost}: ${normalized.message}`);
  const csmsMinor = Number(divideRoundHalfUp(decimalToMicros(normalized.text) * 10n ** BigInt(local.minorUnits), 1_000_000n));
  const differenceMinor = csmsMinor - local.totalMinor;
  return { localMinor: local.totalMinor, csmsMinor, differenceMinor, agrees: differenceMinor === 0 };
}

/** The figure the driver sees: the CSMS's when it sent one for this session, else ours. */
export function displayedTotalMinor(local: CostBreakdown, csmsCost: number | null): { totalMinor: number; source: 'csms' | 'local' } {
  if (csmsCost === null) return { totalMinor: local.totalMinor, source: 'local' };
  return { totalMinor: compareWithCsms(local, csmsCost).csmsMinor, source: 'csms' };
}
