/**
 * Configuration keys the station itself acts on (not the uplink): their stored values reach the ChargePointPort at
 * startup and every accepted change follows, so a ChangeConfiguration takes effect without a restart.
 */
import type { ChargePointPort } from './charge-point-port.js';
import type { ConfigurationKeys } from './config-keys.js';

/**
 * Pushes ConnectionTimeOut, UnlockConnectorOnEVSideDisconnect and StopTransactionOnEVSideDisconnect to the port now and
 * on change; returns the unsubscribe.
 */
export function forwardStationKeys(keys: ConfigurationKeys, port: ChargePointPort): () => void {
  port.setConnectionTimeoutS?.(keys.int('ConnectionTimeOut'));
  port.setUnlockOnEvSideDisconnect?.(keys.bool('UnlockConnectorOnEVSideDisconnect'));
  port.setStopOnEvSideDisconnect?.(keys.bool('StopTransactionOnEVSideDisconnect'));
  return keys.onChange((name) => {
    if (name === 'ConnectionTimeOut') port.setConnectionTimeoutS?.(keys.int('ConnectionTimeOut'));
    if (name === 'UnlockConnectorOnEVSideDisconnect') port.setUnlockOnEvSideDisconnect?.(keys.bool('UnlockConnectorOnEVSideDisconnect'));
    if (name === 'StopTransactionOnEVSideDisconnect') port.setStopOnEvSideDisconnect?.(keys.bool('StopTransactionOnEVSideDisconnect'));
  });
}
