/**
 * The one place that loads ocpp-rpc. It is a CommonJS package whose error classes are not visible to Node's ESM
 * named-export detection, so everything is taken from the default export and re-exported with its types.
 */
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
