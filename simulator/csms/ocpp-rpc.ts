/**
 * The bench CSMS's side of ocpp-rpc: the library is a CommonJS package whose classes are only on its default export
 * (as the station's `src/ocpp/rpc.ts` takes them for its side). The simulator is a protocol peer of the station, so it
 * loads the library itself rather than through the station's uplink.
 */
import ocppRpc from 'ocpp-rpc';
import type { RPCClient } from 'ocpp-rpc';

export const RPCServer = ocppRpc.RPCServer;
/** A CALLERROR to throw from a handler, with its OCPP-J error code. */
export const createRPCError = ocppRpc.createRPCError as (code: CallErrorCode, message?: string) => Error;
export type RpcClient = RPCClient;

/** The OCPP-J CALLERROR codes the bench CSMS answers with when told to fail. */
export type CallErrorCode = 'GenericError' | 'InternalError' | 'NotImplemented' | 'NotSupported' | 'ProtocolError' | 'SecurityError';
