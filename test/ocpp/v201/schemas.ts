/** The 2.0.1 JSON schemas ocpp-rpc validates with in strict mode, for checking payloads the station builds. */
import { createRequire } from 'node:module';
import ocppRpc from 'ocpp-rpc';

const require = createRequire(import.meta.url);
const validator = ocppRpc.createValidator('ocpp2.0.1', require('ocpp-rpc/lib/schemas/ocpp2_0_1.json') as object[]);

/** Throws the CALLERROR ocpp-rpc would raise when `params` breaks the schema of `method`'s request (`req`) or answer (`conf`). */
export function assertSchema(method: string, kind: 'req' | 'conf', params: unknown): void {
  // Synchronous in fact (it throws the CALLERROR); typed as possibly async by ajv.
  void validator.validate(`urn:${method}.${kind}`, params);
}
