/**
 * Frames of the hostile 2.0.1 CSMS: malformed frames, schema-breaking calls of every action the station handles
 * (fuzz-schema-201.ts), unknown actions, and valid calls that change nothing, each with the answer OCPP-J 2.0.1 asks
 * for. Frame-level codes (Part 4, 4.2/4.4): a message whose id cannot be read (not JSON, not an array, a type or id
 * of the wrong type, not UTF-8) is RpcFrameworkError with id "-1"; a CALL without a string action, RpcFrameworkError
 * with its id; an unknown message type number, MessageTypeNotSupported; an action the station does not handle,
 * NotImplemented.
 */
import { isJson, pick, randomText as randomTextOf, seeded } from '../fuzz-frames.js';
import { schemaBreakers, type SchemaBreaker } from './fuzz-schema-201.js';

export { seeded };

/** The CALLERROR codes of OCPP-J 2.0.1 (Part 4, 4.3): nothing else may come back. */
export const OCPP201_ERROR_CODES: ReadonlySet<string> = new Set([
  'FormatViolation',
  'GenericError',
  'InternalError',
  'MessageTypeNotSupported',
  'NotImplemented',
  'NotSupported',
  'OccurrenceConstraintViolation',
  'PropertyConstraintViolation',
  'ProtocolError',
  'RpcFrameworkError',
  'SecurityError',
  'TypeConstraintViolation',
]);

/** What the answer to a valid call must say (a message when it does not, else null). */
export type AnswerCheck = (payload: Record<string, unknown>) => string | null;

export interface FuzzFrame201 {
  readonly kind: string;
  /** Text to send as a text frame, or bytes (binary frame unless opcode 1). */
  readonly data: string | Buffer;
  readonly opcode?: 1 | 2;
  /** null: no answer is due. `code` null with `check`: a CALLRESULT whose payload `check` accepts. */
  readonly expect: null | { readonly id: string; readonly code: string | null; readonly check?: AnswerCheck };
}

type Item = Record<string, unknown>;


/** Device-model items that must get a status, never an error, and change nothing: [item, its GetVariables status, its SetVariables status]. */
const UNKNOWN_ITEMS: readonly [Item, string, string][] = [
  [{ component: { name: 'NoSuchCtrlr' }, variable: { name: 'HeartbeatInterval' } }, 'UnknownComponent', 'UnknownComponent'],
  [{ component: { name: 'ocppcommctrlr' }, variable: { name: 'HeartbeatInterval' } }, 'UnknownComponent', 'UnknownComponent'],
  [{ component: { name: 'OCPPCommCtrlr', instance: 'zz' }, variable: { name: 'HeartbeatInterval' } }, 'UnknownComponent', 'UnknownComponent'],
  [{ component: { name: 'EVSE', evse: { id: 99 } }, variable: { name: 'Available' } }, 'UnknownComponent', 'UnknownComponent'],
  [{ component: { name: 'Connector', evse: { id: 1, connectorId: 9 } }, variable: { name: 'Available' } }, 'UnknownComponent', 'UnknownComponent'],
  [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NoSuchVariable' } }, 'UnknownVariable', 'UnknownVariable'],
  [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Nope' } }, 'UnknownVariable', 'UnknownVariable'],
  [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeType: 'MaxSet' }, 'NotSupportedAttributeType', 'NotSupportedAttributeType'],
  [{ component: { name: 'TxCtrlr' }, variable: { name: 'EVConnectionTimeOut' }, attributeType: 'MinSet' }, 'NotSupportedAttributeType', 'NotSupportedAttributeType'],
  // Known and readable, but ReadOnly: read Accepted, written Rejected.
  [{ component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Available' } }, 'Accepted', 'Rejected'],
  [{ component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'GetVariables' } }, 'Accepted', 'Rejected'],
];

/** Values a ReadWrite integer variable must refuse (Rejected, unchanged): not a number, out of its limits. */
const BAD_INTEGER_VALUES = ['abc', '', '-1', '99999999', '1.5', '0x10', '1e3', ' 5'];

function statusesOf(payload: Record<string, unknown>, key: string): string[] {
  const list = payload[key];
  return Array.isArray(list) ? list.map((r) => String((r as Record<string, unknown>)['attributeStatus'])) : [];
}

function expectStatuses(key: string, expected: readonly string[]): AnswerCheck {
  return (payload) => {
    const got = statusesOf(payload, key);
    return JSON.stringify(got) === JSON.stringify(expected) ? null : `statuses ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`;
  };
}

function expectField(field: string, expected: unknown): AnswerCheck {
  return (payload) => (payload[field] === expected ? null : `${field} ${JSON.stringify(payload[field])}, expected ${JSON.stringify(expected)}`);
}

function int(rnd: () => number, max: number): number {
  return Math.floor(rnd() * (max + 1));
}

function someItems(rnd: () => number): [Item, string, string][] {
  return Array.from({ length: 1 + int(rnd, 4) }, () => pick(rnd, UNKNOWN_ITEMS));
}

/** A valid call that changes nothing, and what its answer must say. */
export function harmlessCall201(rnd: () => number): { action: string; params: Record<string, unknown>; check: AnswerCheck } {
  switch (int(rnd, 9)) {
    case 0: {
      const items = someItems(rnd);
      return { action: 'GetVariables', params: { getVariableData: items.map(([i]) => i) }, check: expectStatuses('getVariableResult', items.map(([, g]) => g)) };
    }
    case 1: {
      const items = someItems(rnd);
      return {
        action: 'SetVariables',
        params: { setVariableData: items.map(([i]) => ({ ...i, attributeValue: pick(rnd, ['1', '', 'x'.repeat(1000), 'true']) })) },
        check: expectStatuses('setVariableResult', items.map(([, , s]) => s)),
      };
    }
    case 2: {
      const variable = pick(rnd, [{ name: 'HeartbeatInterval' }, { name: 'MessageTimeout', instance: 'Default' }, { name: 'WebSocketPingInterval' }]);
      return {
        action: 'SetVariables',
        params: { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable, attributeValue: pick(rnd, BAD_INTEGER_VALUES) }] },
        check: expectStatuses('setVariableResult', ['Rejected']),
      };
    }
    case 3:
      return { action: 'GetChargingProfiles', params: { requestId: int(rnd, 1e6), chargingProfile: { chargingProfilePurpose: pick(rnd, ['TxProfile', 'TxDefaultProfile', 'ChargingStationMaxProfile']) } }, check: expectField('status', 'NoProfiles') };
    case 4:
      return { action: 'ClearChargingProfile', params: { chargingProfileId: 1 + int(rnd, 1e6) }, check: expectField('status', 'Unknown') };
    case 5:
      return { action: 'GetCompositeSchedule', params: { duration: pick(rnd, [0, 1, 86_400, int(rnd, 1e6)]), evseId: 99 }, check: expectField('status', 'Rejected') };
    case 6:
      return { action: 'GetInstalledCertificateIds', params: rnd() < 0.5 ? {} : { certificateType: ['CSMSRootCertificate', 'V2GRootCertificate'] }, check: expectField('status', 'NotFound') };
    case 7:
      return {
        action: 'DeleteCertificate',
        params: { certificateHashData: { hashAlgorithm: 'SHA256', issuerNameHash: 'a'.repeat(64), issuerKeyHash: 'b'.repeat(64), serialNumber: String(int(rnd, 1e9)) } },
        check: expectField('status', 'NotFound'),
      };
    case 8:
      return { action: 'RequestStopTransaction', params: { transactionId: pick(rnd, ['nope', 'x'.repeat(36), '0']) }, check: expectField('status', 'Rejected') };
    default:
      return { action: 'GetTransactionStatus', params: { transactionId: 'no-such-tx' }, check: expectField('ongoingIndicator', false) };
  }
}

const WORDS = ['', ' ', 'null', '[', ']', '{', '}', '"', ',', '2', '3', '4', 'NaN', '\u0000', 'é', '\ud83d\ude00', '[2,"a"', '{"a":', '[[[['];

const randomText = (rnd: () => number, max: number): string => randomTextOf(rnd, max, WORDS);

/** Every schema breaker of every handled action, built once per run. */
export function allSchemaBreakers(actions: readonly string[]): SchemaBreaker[] {
  return actions.flatMap((a) => schemaBreakers(a));
}

const KINDS = [
  'notJson',
  'notArray',
  'typeNotNumber',
  'unknownType',
  'idNotString',
  'actionNotString',
  'shortCall',
  'unknownAction',
  'schemaBreaking',
  'schemaBreaking',
  'schemaBreaking',
  'resultForUnknownId',
  'errorForUnknownId',
  'binaryCall',
  'textNotUtf8',
  'harmlessValid',
  'harmlessValid',
] as const;

/** The `n`-th frame: a seeded kind, a seeded body; `breakers` is allSchemaBreakers of the station's actions. */
export function fuzzFrame201(rnd: () => number, n: number, breakers: readonly SchemaBreaker[]): FuzzFrame201 {
  const id = `fz-${n}`;
  const kind = pick(rnd, KINDS);
  const frameError = (data: string | Buffer, opcode?: 1): FuzzFrame201 => ({ kind, data, ...(opcode ? { opcode } : {}), expect: { id: '-1', code: 'RpcFrameworkError' } });
  switch (kind) {
    case 'notJson': {
      let text = randomText(rnd, 12);
      // An empty frame is no message at all: ocpp-rpc ignores it (on purpose, for stations that send them), so it
      // gets no answer; the probe after it shows the station read past it.
      if (text.length === 0) return { kind: 'emptyText', data: text, expect: null };
      if (isJson(text)) text = `{${text}`;
      return frameError(text);
    }
    case 'notArray':
      return frameError(JSON.stringify(pick(rnd, [{}, { a: [2, id] }, 2, 'x', null, true, 3.5])));
    case 'typeNotNumber':
      return frameError(JSON.stringify([pick(rnd, ['2', null, [2], {}, true]), id, 'Reset', { type: 'Immediate' }]));
    case 'unknownType':
      return { kind, data: JSON.stringify([pick(rnd, [0, 1, 5, 6, 2.5, -2, 1e9]), id, 'Reset', {}]), expect: { id: '-1', code: 'MessageTypeNotSupported' } };
    case 'idNotString':
      return frameError(JSON.stringify([2, pick(rnd, [7, null, ['a'], { id }]), 'Reset', { type: 'Immediate' }]));
    case 'actionNotString':
      return { kind, data: JSON.stringify([2, id, pick(rnd, [7, null, ['Reset'], { a: 1 }]), {}]), expect: { id, code: 'RpcFrameworkError' } };
    case 'shortCall':
      return { kind, data: JSON.stringify([2, id]), expect: { id, code: 'RpcFrameworkError' } };
    case 'unknownAction': {
      const action = pick(rnd, ['FooBar', 'reset', 'Heartbeat', 'BootNotification', 'StatusNotification', 'DataTransfer', 'ChangeConfiguration', '', '__proto__', 'constructor', 'A'.repeat(300)]);
      return { kind: `unknownAction:${action.slice(0, 20)}`, data: JSON.stringify([2, id, action, {}]), expect: { id, code: 'NotImplemented' } };
    }
    case 'schemaBreaking': {
      const b = pick(rnd, breakers);
      return { kind: `schemaBreaking:${b.action}: ${b.what}`, data: JSON.stringify([2, id, b.action, b.params]), expect: { id, code: b.code } };
    }
    case 'resultForUnknownId':
      return { kind, data: JSON.stringify([3, pick(rnd, [id, '', 'x'.repeat(5000)]), pick(rnd, [{}, { status: 'Accepted' }, null, 'x'])]), expect: null };
    case 'errorForUnknownId':
      return { kind, data: JSON.stringify([4, id, pick(rnd, ['GenericError', 'Nonsense', 7]), 'x', {}]), expect: null };
    case 'binaryCall':
      return { kind, data: Buffer.from(JSON.stringify([2, id, 'FooBar', {}])), expect: { id, code: 'NotImplemented' } };
    case 'textNotUtf8': {
      // A valid acting call with one byte that is not UTF-8: decoded with a replacement character it would act.
      const head = Buffer.from(`[2,"${id}","RequestStartTransaction",{"remoteStartId":1,"idToken":{"type":"ISO14443","idToken":"T`);
      return frameError(Buffer.concat([head, Buffer.from([pick(rnd, [0xff, 0xc0, 0xed, 0x80])]), Buffer.from('"}}]')]), 1);
    }
    case 'harmlessValid': {
      const call = harmlessCall201(rnd);
      return { kind: `harmlessValid:${call.action}`, data: JSON.stringify([2, id, call.action, call.params]), expect: { id, code: null, check: call.check } };
    }
  }
}
