/**
 * The controller components of the Core profile and their variables (OCPP 2.0.1 Part 2, appendix "Standardized
 * components"), with the types, limits and values this station supports. Every one is stored, reported and settable
 * as described; which ones already change what the station does (and which wait for the 2.0.1 transaction,
 * authorization and meter-value modules) is in src/ocpp/README.md. Values that depend on the station (identity,
 * security profile, the clock, the EVSE's state) are live and come from `station-components.ts`.
 */
import { SUPPORTED_MEASURANDS } from '../../config-keys.js';
import type { VariableSpec } from './types.js';

const integer = (value: number, more: Partial<VariableSpec> = {}): VariableSpec => ({ dataType: 'integer', mutability: 'ReadWrite', value: String(value), min: 0, ...more });
const boolean = (value: boolean, more: Partial<VariableSpec> = {}): VariableSpec => ({ dataType: 'boolean', mutability: 'ReadWrite', value: String(value), ...more });
const memberList = (value: string, values: readonly string[], more: Partial<VariableSpec> = {}): VariableSpec => ({
  dataType: 'MemberList',
  mutability: 'ReadWrite',
  value,
  values,
  ...more,
});
const readOnly = (spec: VariableSpec): VariableSpec => ({ ...spec, mutability: 'ReadOnly' });
const measurands = (value: string): VariableSpec => memberList(value, SUPPORTED_MEASURANDS);

/** Where a transaction starts / stops: the points the station can tell apart (issue 15: at least these three). */
export const TX_POINTS = ['EVConnected', 'Authorized', 'PowerPathClosed', 'EnergyTransfer'] as const;

/** printable ASCII of 16–40 characters: the passwordString of BasicAuthPassword (and 1.6's AuthorizationKey). */
const checkPassword = (v: string): string | null => (/^[\x21-\x7e]{16,40}$/.test(v) ? null : 'must be 16-40 printable characters');

export const CONTROLLERS = {
  OCPPCommCtrlr: {
    FileTransferProtocols: readOnly(memberList('HTTP,HTTPS', ['HTTP', 'HTTPS'], { constant: true })),
    /** 0: no heartbeats (BootNotification's interval replaces it). */
    HeartbeatInterval: integer(300, { unit: 's', max: 86_400 }),
    /** The call timeout of the link: the link is built with it, so a change is used after a restart. */
    'MessageTimeout[Default]': integer(30, { unit: 's', min: 1, max: 600, rebootRequired: true }),
    'MessageAttempts[TransactionEvent]': integer(3, { min: 1, max: 100 }),
    'MessageAttemptInterval[TransactionEvent]': integer(60, { unit: 's', max: 86_400 }),
    NetworkProfileConnectionAttempts: integer(3, { min: 1, max: 100 }),
    OfflineThreshold: integer(60, { unit: 's', max: 86_400 }),
    ResetRetries: integer(1, { max: 10 }),
    UnlockOnEVSideDisconnect: boolean(true),
    WebSocketPingInterval: integer(60, { unit: 's', max: 3600 }),
  },
  TxCtrlr: {
    EVConnectionTimeOut: integer(60, { unit: 's', max: 86_400 }),
    MaxEnergyOnInvalidId: integer(0, { unit: 'Wh' }),
    StopTxOnEVSideDisconnect: boolean(true),
    StopTxOnInvalidId: boolean(true),
    TxBeforeAcceptedEnabled: boolean(false),
    TxStartPoint: memberList('PowerPathClosed', TX_POINTS, { minMembers: 1 }),
    TxStopPoint: memberList('EVConnected,Authorized', TX_POINTS, { minMembers: 1 }),
  },
  SampledDataCtrlr: {
    Enabled: boolean(true),
    TxStartedMeasurands: measurands('Energy.Active.Import.Register'),
    TxUpdatedMeasurands: measurands('Energy.Active.Import.Register'),
    TxUpdatedInterval: integer(60, { unit: 's', max: 86_400 }),
    TxEndedMeasurands: measurands('Energy.Active.Import.Register'),
    TxEndedInterval: integer(0, { unit: 's', max: 86_400 }),
  },
  AlignedDataCtrlr: {
    Enabled: boolean(true),
    Measurands: measurands('Energy.Active.Import.Register'),
    Interval: integer(0, { unit: 's', max: 86_400 }),
    TxEndedMeasurands: measurands(''),
    TxEndedInterval: integer(0, { unit: 's', max: 86_400 }),
  },
  AuthCtrlr: {
    Enabled: boolean(true),
    AuthorizeRemoteStart: boolean(true),
    DisableRemoteAuthorization: boolean(false),
    LocalAuthorizeOffline: boolean(true),
    LocalPreAuthorize: boolean(false),
    MasterPassGroupId: { dataType: 'string', mutability: 'ReadWrite', value: '', maxLength: 36 },
    OfflineTxForUnknownIdEnabled: boolean(false),
  },
  AuthCacheCtrlr: {
    Available: readOnly(boolean(true, { constant: true })),
    Enabled: boolean(true),
    LifeTime: integer(86_400, { unit: 's' }),
    Policy: readOnly({ dataType: 'OptionList', mutability: 'ReadOnly', value: 'FIFO', values: ['LRU', 'LFU', 'FIFO', 'CUSTOM'], constant: true }),
  },
  LocalAuthListCtrlr: {
    Available: readOnly(boolean(true, { constant: true })),
    Enabled: boolean(true),
    BytesPerMessage: readOnly(integer(65_536, { constant: true })),
    ItemsPerMessage: readOnly(integer(250, { constant: true })),
  },
  DeviceDataCtrlr: {
    'BytesPerMessage[GetReport]': readOnly(integer(65_536, { min: 1024 })),
    'BytesPerMessage[GetVariables]': readOnly(integer(65_536, { min: 1024 })),
    'BytesPerMessage[SetVariables]': readOnly(integer(65_536, { min: 1024 })),
    'ItemsPerMessage[GetReport]': readOnly(integer(50, { min: 1 })),
    'ItemsPerMessage[GetVariables]': readOnly(integer(50, { min: 1 })),
    'ItemsPerMessage[SetVariables]': readOnly(integer(50, { min: 1 })),
  },
  SecurityCtrlr: {
    /** Write-only: never read back. Accepted → the station reconnects with it (A01). */
    BasicAuthPassword: { dataType: 'string', mutability: 'WriteOnly', maxLength: 40, check: checkPassword },
    OrganizationName: { dataType: 'string', mutability: 'ReadWrite', value: '', maxLength: 50 },
  },
  ClockCtrlr: {
    /** Only the CSMS's time (BootNotification, Heartbeat) sets the clock. */
    TimeSource: { dataType: 'SequenceList', mutability: 'ReadWrite', value: 'Heartbeat', values: ['Heartbeat'], minMembers: 1 },
  },
} as const satisfies Record<string, Record<string, VariableSpec>>;

export type ControllerName = keyof typeof CONTROLLERS;
/** A variable of a controller, `Name` or `Name[Instance]` (the typed read API takes these). */
export type ControllerVariable<C extends ControllerName> = keyof (typeof CONTROLLERS)[C] & string;
