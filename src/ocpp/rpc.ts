/**
 * The one place that loads ocpp-rpc. It is a CommonJS package whose error classes are not visible to Node's ESM
 * named-export detection, so everything is taken from the default export and re-exported with its types.
 */
import { isUtf8 } from 'node:buffer';
import ocppRpc from 'ocpp-rpc';
import type { RPCClient as RpcClientClass, RPCServer as RpcServerClass } from 'ocpp-rpc';

export const RPCClient = ocppRpc.RPCClient;
export const RPCServer = ocppRpc.RPCServer;
export const RPCError = ocppRpc.RPCError;
export const TimeoutError = ocppRpc.TimeoutError;
export const createRPCError = ocppRpc.createRPCError as (type: RpcErrorCode, message?: string, details?: Record<string, unknown>) => Error;
export type RpcClient = RpcClientClass;
export type RpcServer = RpcServerClass;

/** OCPP-J CALLERROR codes (1.6 spellings included). */
export type RpcErrorCode =
  | 'GenericError'
  | 'NotImplemented'
  | 'NotSupported'
  | 'InternalError'
  | 'ProtocolError'
  | 'SecurityError'
  | 'FormationViolation'
  | 'FormatViolation'
  | 'PropertyConstraintViolation'
  | 'OccurenceConstraintViolation'
  | 'OccurrenceConstraintViolation'
  | 'TypeConstraintViolation'
  | 'MessageTypeNotSupported'
  | 'RpcFrameworkError';

/** The CALLERROR code of an error thrown by ocpp-rpc's `call`, or null for a transport failure (timeout, disconnect). */
export function rpcErrorCodeOf(err: unknown): string | null {
  if (err instanceof RPCError) return err.rpcErrorCode;
  return null;
}

/**
 * The OCPP 1.6 spelling of a CALLERROR code. ocpp-rpc answers framework errors with the OCPP 2.0.1 codes even on
 * `ocpp1.6`, and its errata "fix" turns the 1.6 `OccurenceConstraintViolation` into the 2.0.1 spelling; a 1.6 CSMS
 * knows neither. RpcFrameworkError (not JSON, not an array, a type or id or action of the wrong type, a duplicate id)
 * is a frame that is not syntactically an OCPP-J message: FormationViolation. MessageTypeNotSupported (a well-formed
 * array of an unknown message type) has no 1.6 code: GenericError, "any other error not covered by the previous ones".
 */
export function ocpp16ErrorCode(code: string): string {
  switch (code) {
    case 'RpcFrameworkError':
    case 'FormatViolation':
      return 'FormationViolation';
    case 'OccurrenceConstraintViolation':
      return 'OccurenceConstraintViolation';
    case 'MessageTypeNotSupported':
      return 'GenericError';
    default:
      return OCPP16_ERROR_CODES.has(code) ? code : 'GenericError';
  }
}

const OCPP16_ERROR_CODES: ReadonlySet<string> = new Set([
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
]);

/**
 * The OCPP 2.0.1 code of a CALLERROR ocpp-rpc produced (`details`: the frame's error details). Its schema validator
 * names every occurrence failure (a required property missing, too many items …) with the 1.6 misspelling
 * `OccurenceConstraintViolation` on every protocol, and only respells on ocpp1.6; 2.0.1 (Part 4, 4.3) knows only
 * `OccurrenceConstraintViolation`. And it answers a field with an invalid value (not in its enum, too long, out of
 * range, not a date-time) FormatViolation, its fallback; 2.0.1 calls that PropertyConstraintViolation ("syntactically
 * correct but at least one field contains an invalid value") and keeps FormatViolation for a payload that is
 * syntactically incorrect. A schema failure is told by the validator's errors in the details (the 2.0.1 fuzz found
 * this); a FormatViolation a handler throws itself (a request over BytesPerMessage) has none and stays.
 */
export function ocpp201ErrorCode(code: string, details?: unknown): string {
  if (code === 'OccurenceConstraintViolation') return 'OccurrenceConstraintViolation';
  if (code === 'FormatViolation' && isSchemaFailure(details)) return 'PropertyConstraintViolation';
  return code;
}

/** Details of ocpp-rpc's strict-mode validator: `{ errors: [{ keyword, … }], data }`. */
function isSchemaFailure(details: unknown): boolean {
  if (typeof details !== 'object' || details === null) return false;
  const errors = (details as { errors?: unknown }).errors;
  return Array.isArray(errors) && typeof (errors[0] as { keyword?: unknown } | undefined)?.keyword === 'string';
}

/** An outbound frame with the CALLERROR code in its 2.0.1 spelling (any other frame is returned as it is). */
export function withOcpp201ErrorCode(frame: string): string {
  return withErrorCode(frame, ocpp201ErrorCode);
}

/** An outbound frame with the CALLERROR code in its 1.6 spelling (any other frame is returned as it is). */
export function withOcpp16ErrorCode(frame: string): string {
  return withErrorCode(frame, ocpp16ErrorCode);
}

function withErrorCode(frame: string, spell: (code: string, details?: unknown) => string): string {
  if (!frame.startsWith('[4,')) return frame;
  let message: unknown;
  try {
    message = JSON.parse(frame);
  } catch {
    return frame;
  }
  if (!Array.isArray(message) || typeof message[2] !== 'string') return frame;
  const code = spell(message[2], message[4]);
  if (code === message[2]) return frame;
  message[2] = code;
  return JSON.stringify(message);
}

/** What ocpp-rpc is given instead of a frame that is not UTF-8: not JSON, so it answers FormationViolation (id "-1"). */
const NOT_UTF8 = Buffer.from('(frame is not UTF-8)');

/**
 * Makes a frame that is not valid UTF-8 a malformed message like any other. The client's websocket runs with
 * `skipUTF8Validation` (ws would otherwise fail the whole connection, close 1007, on one bad text frame); this check
 * takes its place per frame, text or binary. Such a frame is never decoded with replacement characters, which could
 * turn a corrupted call into a valid one (an idTag "T\uFFFD"): ocpp-rpc gets a stand-in that is not JSON and answers
 * it like any frame it cannot read. Reaches into ocpp-rpc's per-instance `_onMessage` (2.2.x), the one entry point of
 * inbound frames.
 */
export function refuseNonUtf8Frames(client: RpcClient): void {
  const inner = client as unknown as { _onMessage?: (data: Buffer) => void };
  if (typeof inner._onMessage !== 'function') throw new Error('ocpp-rpc has no _onMessage: check refuseNonUtf8Frames against this version');
  const onMessage = inner._onMessage.bind(client);
  inner._onMessage = (data: Buffer) => onMessage(Buffer.isBuffer(data) && !isUtf8(data) ? NOT_UTF8 : data);
}
