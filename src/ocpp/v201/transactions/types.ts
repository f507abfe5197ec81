/**
 * The OCPP 2.0.1 shapes of a TransactionEvent that the station builds (names and values of the 2.0.1 JSON schemas,
 * ocpp-rpc's `ocpp2_0_1.json`, which the link validates strictly both ways).
 */

export type TransactionEventType = 'Started' | 'Updated' | 'Ended';

export type TriggerReason =
  | 'Authorized'
  | 'CablePluggedIn'
  | 'ChargingRateChanged'
  | 'ChargingStateChanged'
  | 'Deauthorized'
  | 'EnergyLimitReached'
  | 'EVCommunicationLost'
  | 'EVConnectTimeout'
  | 'MeterValueClock'
  | 'MeterValuePeriodic'
  | 'TimeLimitReached'
  | 'Trigger'
  | 'UnlockCommand'
  | 'StopAuthorized'
  | 'EVDeparted'
  | 'EVDetected'
  | 'RemoteStop'
  | 'RemoteStart'
  | 'AbnormalCondition'
  | 'SignedDataReceived'
  | 'ResetCommand';

/** ReasonEnumType: why a transaction ended (`transactionInfo.stoppedReason`). */
export type StoppedReason =
  | 'DeAuthorized'
  | 'EmergencyStop'
  | 'EnergyLimitReached'
  | 'EVDisconnected'
  | 'GroundFault'
  | 'ImmediateReset'
  | 'Local'
  | 'LocalOutOfCredit'
  | 'MasterPass'
  | 'Other'
  | 'OvercurrentFault'
  | 'PowerLoss'
  | 'PowerQuality'
  | 'Reboot'
  | 'Remote'
  | 'SOCLimitReached'
  | 'StoppedByEV'
  | 'TimeLimitReached'
  | 'Timeout';

export type ChargingState = 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';

export type IdTokenKind = 'Central' | 'eMAID' | 'ISO14443' | 'ISO15693' | 'KeyCode' | 'Local' | 'MacAddress' | 'NoAuthorization';

export interface IdToken {
  readonly idToken: string;
  readonly type: IdTokenKind;
}

export type ReadingContext =
  | 'Interruption.Begin'
  | 'Interruption.End'
  | 'Other'
  | 'Sample.Clock'
  | 'Sample.Periodic'
  | 'Transaction.Begin'
  | 'Transaction.End'
  | 'Trigger';

export interface SampledValue {
  /** A number in 2.0.1 (a string in 1.6). */
  readonly value: number;
  readonly context?: ReadingContext;
  readonly measurand?: string;
  readonly phase?: string;
  readonly location?: 'Body' | 'Cable' | 'EV' | 'Inlet' | 'Outlet';
  readonly unitOfMeasure?: { readonly unit?: string; readonly multiplier?: number };
}

export interface MeterValue {
  /** ISO 8601 UTC. */
  readonly timestamp: string;
  /** At least one. */
  readonly sampledValue: readonly SampledValue[];
}

export interface TransactionInfo {
  /** Station-authored, at most 36 characters. */
  readonly transactionId: string;
  readonly chargingState?: ChargingState;
  readonly timeSpentCharging?: number;
  readonly stoppedReason?: StoppedReason;
  readonly remoteStartId?: number;
}

/** TransactionEventRequest. */
export interface TransactionEventRequest {
  readonly eventType: TransactionEventType;
  readonly timestamp: string;
  readonly triggerReason: TriggerReason;
  readonly seqNo: number;
  readonly offline?: boolean;
  readonly numberOfPhasesUsed?: number;
  readonly reservationId?: number;
  readonly transactionInfo: TransactionInfo;
  readonly evse?: { readonly id: number; readonly connectorId?: number };
  readonly idToken?: IdToken;
  readonly meterValue?: readonly MeterValue[];
}
