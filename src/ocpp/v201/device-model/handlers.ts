/**
 * GetVariables, SetVariables and GetBaseReport (B05–B07) on the device model. A request with more items than
 * ItemsPerMessage[GetVariables/SetVariables] (or more bytes than BytesPerMessage) gets the CALLERROR the spec names
 * and changes nothing. GetBaseReport is answered first, then its NotifyReport parts leave one by one, each awaited.
 */
import type { Clock } from '../../../clock.js';
import type { Logger } from '../../../logger.js';
import { createRPCError } from '../../rpc.js';
import type { DeviceModel, GetVariableData, ReportBase, SetVariableData } from './device-model.js';
import { notifyReportPayload, splitReport } from './report-parts.js';

export interface DeviceModelHandlerDeps {
  readonly deviceModel: DeviceModel;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Sends a call to the CSMS now (the NotifyReport parts). */
  readonly call: (action: string, payload: Record<string, unknown>) => Promise<unknown>;
}

type Handler = (params: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** The CALLERROR for a request larger than the station says it takes (B05.FR-xx / B06.FR-xx). */
function checkSize(items: readonly unknown[], params: Record<string, unknown>, itemsMax: number, bytesMax: number, what: string): void {
  if (items.length > itemsMax) throw createRPCError('OccurrenceConstraintViolation', `${what}: ${items.length} items, ItemsPerMessage is ${itemsMax}`);
  if (Buffer.byteLength(JSON.stringify(params)) > bytesMax) throw createRPCError('FormatViolation', `${what}: larger than BytesPerMessage ${bytesMax}`);
}

export function deviceModelHandlers(deps: DeviceModelHandlerDeps): Record<string, Handler> {
  const { deviceModel: dm, clock, logger } = deps;
  let reporting = false;

  const streamReport = async (requestId: number, base: ReportBase): Promise<void> => {
    const generatedAt = new Date(clock.nowMs()).toISOString();
    const parts = splitReport(
      dm.report(base),
      { itemsPerMessage: dm.int('DeviceDataCtrlr', 'ItemsPerMessage[GetReport]'), bytesPerMessage: dm.int('DeviceDataCtrlr', 'BytesPerMessage[GetReport]') },
      requestId,
      generatedAt,
    );
    try {
      for (const part of parts) await deps.call('NotifyReport', notifyReportPayload(requestId, generatedAt, part));
      logger.info({ requestId, base, parts: parts.length }, 'base report sent');
    } catch (err) {
      // Only meaningful online and on request: not queued; the CSMS asks again.
      logger.warn({ requestId, error: (err as Error).message }, 'base report interrupted');
    }
  };

  return {
    GetVariables: (params) => {
      const items = params['getVariableData'] as GetVariableData[];
      checkSize(items, params, dm.int('DeviceDataCtrlr', 'ItemsPerMessage[GetVariables]'), dm.int('DeviceDataCtrlr', 'BytesPerMessage[GetVariables]'), 'GetVariables');
      return { getVariableResult: dm.getVariables(items) };
    },
    SetVariables: async (params) => {
      const items = params['setVariableData'] as SetVariableData[];
      checkSize(items, params, dm.int('DeviceDataCtrlr', 'ItemsPerMessage[SetVariables]'), dm.int('DeviceDataCtrlr', 'BytesPerMessage[SetVariables]'), 'SetVariables');
      return { setVariableResult: await dm.setVariables(items) };
    },
    GetBaseReport: (params) => {
      const requestId = params['requestId'] as number;
      const base = params['reportBase'] as ReportBase;
      if (reporting) return { status: 'Rejected', statusInfo: { reasonCode: 'Busy', additionalInfo: 'a report is being sent' } };
      if (dm.report(base).length === 0) return { status: 'EmptyResultSet' };
      reporting = true;
      // After the CALLRESULT has left (ocpp-rpc sends it once this handler's promise settles).
      clock.setTimeout(() => {
        void streamReport(requestId, base).finally(() => {
          reporting = false;
        });
      }, 0);
      return { status: 'Accepted' };
    },
  };
}
