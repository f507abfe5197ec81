/**
 * "California Pricing" over OCPP 1.6 (DataTransfer, vendorId `org.openchargealliance.costmsg`): SetUserPrice,
 * RunningCost and FinalCost from the CSMS, validated here and handed to the station's display as plain objects.
 */
import { z } from 'zod';

export const COST_VENDOR_ID = 'org.openchargealliance.costmsg';

const priceText = z.string().max(1000);

const setUserPrice = z.object({ idToken: z.string().min(1).max(36), priceText }).loose();
const runningCost = z
  .object({
    transactionId: z.number().int(),
    timestamp: z.iso.datetime({ offset: true }),
    meterValue: z.number().int().nonnegative().optional(),
    cost: z.number().nonnegative(),
    state: z.enum(['Charging', 'Idle']).optional(),
    priceText: priceText.optional(),
  })
  .loose();
const finalCost = z.object({ transactionId: z.number().int(), cost: z.number().nonnegative(), priceText: priceText.optional() }).loose();

export type CostMessage =
  | { readonly kind: 'SetUserPrice'; readonly data: z.infer<typeof setUserPrice> }
  | { readonly kind: 'RunningCost'; readonly data: z.infer<typeof runningCost> }
  | { readonly kind: 'FinalCost'; readonly data: z.infer<typeof finalCost> };

const schemas = { SetUserPrice: setUserPrice, RunningCost: runningCost, FinalCost: finalCost } as const;

/** Parses one cost DataTransfer: the message, 'UnknownMessageId', or 'Rejected' with the reason. */
export function parseCostMessage(messageId: string | undefined, data: string | undefined): CostMessage | 'UnknownMessageId' | { rejected: string } {
  if (messageId === undefined || !Object.hasOwn(schemas, messageId)) return 'UnknownMessageId';
  let json: unknown;
  try {
    json = JSON.parse(data ?? '');
  } catch {
    return { rejected: `${messageId}: data is not JSON` };
  }
  const kind = messageId as keyof typeof schemas;
  const parsed = schemas[kind].safeParse(json);
  if (!parsed.success) return { rejected: `${messageId}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { kind, data: parsed.data } as CostMessage;
}
