/**
 * OCPP 1.6 configuration keys: definitions (type, range, read-only), values persisted in the journal's key-value
 * store (namespace `ocpp.config`), synchronous reads from memory. GetConfiguration and ChangeConfiguration are answered
 * from here; nothing else writes a key.
 */
import type { KeyValueStore } from '../journal/ports.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { parseDefaultPrice } from '../billing/costmsg.js';

export const CONFIG_NAMESPACE = 'ocpp.config';

/** Measurands this station can report: from a meter sample, and what the control core offers. */
export const SUPPORTED_MEASURANDS = [
  'Energy.Active.Import.Register',
  'Power.Active.Import',
  'Current.Import',
  'Voltage',
  'Frequency',
  'Current.Offered',
  'Power.Offered',
] as const;

type KeyKind = 'int' | 'bool' | 'measurands' | 'string' | 'list';

interface KeyDefinition {
  readonly kind: KeyKind;
  readonly defaultValue: string;
  readonly readonly?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Write-only: never returned by GetConfiguration (AuthorizationKey). */
  readonly secret?: boolean;
  /** Extra check of a well-typed value; returns why it is refused, or null. */
  readonly check?: (value: string, current: string) => string | null;
}

const int = (defaultValue: number, min = 0, max = 2_147_483_647) => ({ kind: 'int' as const, defaultValue: String(defaultValue), min, max });
const bool = (defaultValue: boolean) => ({ kind: 'bool' as const, defaultValue: String(defaultValue) });
const measurands = (defaultValue: string) => ({ kind: 'measurands' as const, defaultValue });
const fixed = (defaultValue: string | number) => ({ kind: 'string' as const, defaultValue: String(defaultValue), readonly: true });

/** Every key the station knows, with its default. */
export const KEY_DEFINITIONS = {
  HeartbeatInterval: int(300),
  ConnectionTimeOut: int(60),
  MeterValueSampleInterval: int(60),
  ClockAlignedDataInterval: int(0, 0, 86_400),
  MeterValuesSampledData: measurands('Energy.Active.Import.Register'),
  MeterValuesAlignedData: measurands('Energy.Active.Import.Register'),
  StopTxnSampledData: measurands(''),
  StopTxnAlignedData: measurands(''),
  StopTransactionOnEVSideDisconnect: bool(true),
  StopTransactionOnInvalidId: bool(true),
  MaxEnergyOnInvalidId: int(0),
  UnlockConnectorOnEVSideDisconnect: bool(true),
  LocalAuthorizeOffline: bool(true),
  LocalPreAuthorize: bool(false),
  AllowOfflineTxForUnknownId: bool(false),
  AuthorizationCacheEnabled: bool(true),
  LocalAuthListEnabled: bool(true),
  LocalAuthListMaxLength: fixed(1000),
  SendLocalListMaxLength: fixed(250),
  TransactionMessageAttempts: int(3, 1, 100),
  TransactionMessageRetryInterval: int(60, 0, 86_400),
  MinimumStatusDuration: int(0, 0, 3600),
  ResetRetries: int(1, 0, 10),
  NumberOfConnectors: fixed(1),
  SupportedFeatureProfiles: fixed('Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger'),
  WebSocketPingInterval: int(60, 0, 3600),
  ChargeProfileMaxStackLevel: fixed(10),
  ChargingScheduleAllowedChargingRateUnit: fixed('Current,Power'),
  ChargingScheduleMaxPeriods: fixed(24),
  MaxChargingProfilesInstalled: fixed(10),
  AuthorizationKey: {
    kind: 'string' as const,
    defaultValue: '',
    secret: true,
    check: (v: string) => (v.length >= 16 && v.length <= 40 && /^[\x21-\x7e]+$/.test(v) ? null : 'AuthorizationKey must be 16-40 printable characters'),
  },
  // California Pricing (costmsg): the station shows the CSMS's prices and costs; DefaultPrice is JSON text.
  CustomDisplayCostAndPrice: { kind: 'bool' as const, defaultValue: 'true', readonly: true },
  DefaultPrice: {
    kind: 'string' as const,
    defaultValue: '',
    check: (v: string) => {
      if (v === '') return null;
      const parsed = parseDefaultPrice(v);
      return parsed.ok ? null : parsed.reason;
    },
  },
  /** True: after a stopped transaction the station reports the unplug (DataTransfer ConnectorUnplugged), so the CSMS
   * can bill idle time until then. */
  CustomIdleFeeAfterStop: bool(false),
  SecurityProfile: {
    kind: 'int' as const,
    defaultValue: '0',
    min: 0,
    max: 3,
    // The whitepaper forbids lowering the profile remotely.
    check: (v: string, current: string) => (Number(v) < Number(current) ? `SecurityProfile may not be lowered (${current} -> ${v})` : null),
  },
} satisfies Record<string, KeyDefinition>;

export type ConfigKeyName = keyof typeof KEY_DEFINITIONS;
type IntKey = { [K in ConfigKeyName]: (typeof KEY_DEFINITIONS)[K]['kind'] extends 'int' ? K : never }[ConfigKeyName];
type BoolKey = { [K in ConfigKeyName]: (typeof KEY_DEFINITIONS)[K]['kind'] extends 'bool' ? K : never }[ConfigKeyName];
type MeasurandKey = { [K in ConfigKeyName]: (typeof KEY_DEFINITIONS)[K]['kind'] extends 'measurands' ? K : never }[ConfigKeyName];

function definitionOf(key: string): KeyDefinition | undefined {
  return Object.hasOwn(KEY_DEFINITIONS, key) ? (KEY_DEFINITIONS as Record<string, KeyDefinition>)[key] : undefined;
}

/** Why `value` is not acceptable for `key`, or null when it is. */
export function invalidReason(key: string, value: string, current: string): string | null {
  const def = definitionOf(key);
  if (!def) return `unknown key ${key}`;
  switch (def.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(value.trim())) return `${key} must be an integer, got '${value}'`;
      const n = Number(value);
      if (n < (def.min ?? 0) || n > (def.max ?? Number.MAX_SAFE_INTEGER)) return `${key} must be in ${def.min}..${def.max}, got ${n}`;
      break;
    }
    case 'bool':
      if (!/^(true|false)$/i.test(value.trim())) return `${key} must be true or false, got '${value}'`;
      break;
    case 'measurands': {
      const unknown = splitList(value).filter((m) => !(SUPPORTED_MEASURANDS as readonly string[]).includes(m));
      if (unknown.length > 0) return `${key}: unsupported measurand(s) ${unknown.join(', ')}`;
      break;
    }
    case 'string':
    case 'list':
      break;
  }
  return def.check ? def.check(value, current) : null;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function normalise(key: string, value: string): string {
  const def = definitionOf(key);
  if (def?.kind === 'bool') return value.trim().toLowerCase();
  if (def?.kind === 'int') return String(Number(value.trim()));
  if (def?.kind === 'measurands') return splitList(value).join(',');
  return value;
}

export type ChangeConfigurationStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';

export interface GetConfigurationResult {
  configurationKey: { key: string; readonly: boolean; value?: string }[];
  unknownKey?: string[];
}

/** The station's configuration keys. Build with {@link ConfigurationKeys.load}. */
export class ConfigurationKeys {
  private readonly listeners = new Set<(key: ConfigKeyName, value: string) => void>();

  private constructor(
    private readonly store: KeyValueStore,
    private readonly values: Map<string, string>,
  ) {}

  /**
   * Loads stored values; a key never stored takes its seed (config file `ocpp.initialKeys`) or its default. A seed
   * that is unknown, read-only or invalid is a configuration error (named), not silently ignored. A stored value that
   * no longer validates falls back to the default.
   */
  static async load(
    store: KeyValueStore,
    seeds: Readonly<Record<string, string>> = {},
    /** Values the station's own configuration decides (SecurityProfile): they win over stored ones. */
    facts: Readonly<Partial<Record<ConfigKeyName, string>>> = {},
  ): Promise<ConfigurationKeys> {
    const values = new Map<string, string>();
    for (const [key, def] of Object.entries(KEY_DEFINITIONS) as [string, KeyDefinition][]) values.set(key, def.defaultValue);
    for (const [key, value] of Object.entries(seeds)) {
      const def = definitionOf(key);
      const reason = def?.readonly ? `${key} is read-only` : invalidReason(key, value, '0');
      if (reason) throw new EvseError(EvseErrorCode.ConfigInvalid, `ocpp.initialKeys.${key}: ${reason}`);
      values.set(key, normalise(key, value));
    }
    const stored = await store.list(CONFIG_NAMESPACE);
    for (const [key, value] of stored) {
      const def = definitionOf(key);
      if (!def || def.readonly || typeof value !== 'string') continue;
      if (invalidReason(key, value, '0') === null) values.set(key, value);
    }
    for (const [key, value] of Object.entries(facts)) values.set(key, value);
    return new ConfigurationKeys(store, values);
  }

  /** Raw string value of a key. */
  get(key: ConfigKeyName): string {
    return this.values.get(key) ?? KEY_DEFINITIONS[key].defaultValue;
  }

  int(key: IntKey): number {
    return Number(this.get(key));
  }

  bool(key: BoolKey): boolean {
    return this.get(key) === 'true';
  }

  measurands(key: MeasurandKey): string[] {
    return splitList(this.get(key));
  }

  /** Answer of GetConfiguration: all keys when `keys` is empty or absent; secret keys are never revealed. */
  getConfiguration(keys?: readonly string[]): GetConfigurationResult {
    const wanted = keys && keys.length > 0 ? keys : Object.keys(KEY_DEFINITIONS);
    const configurationKey: GetConfigurationResult['configurationKey'] = [];
    const unknownKey: string[] = [];
    for (const key of wanted) {
      const def = definitionOf(key);
      if (!def || def.secret) {
        if (keys && keys.length > 0) unknownKey.push(key);
        continue;
      }
      configurationKey.push({ key, readonly: def.readonly === true, value: this.values.get(key) ?? def.defaultValue });
    }
    return unknownKey.length > 0 ? { configurationKey, unknownKey } : { configurationKey };
  }

  /** ChangeConfiguration: unknown → NotSupported, read-only or invalid → Rejected; Accepted only once persisted. */
  async change(key: string, value: string): Promise<ChangeConfigurationStatus> {
    const def = definitionOf(key);
    if (!def) return 'NotSupported';
    if (def.readonly) return 'Rejected';
    const current = this.values.get(key) ?? def.defaultValue;
    if (invalidReason(key, value, current) !== null) return 'Rejected';
    const normalised = normalise(key, value);
    await this.store.set(CONFIG_NAMESPACE, key, normalised);
    this.values.set(key, normalised);
    for (const listener of this.listeners) listener(key as ConfigKeyName, normalised);
    return 'Accepted';
  }

  /** Called after a key changed (heartbeat and sampling timers re-arm). Returns an unsubscribe function. */
  onChange(listener: (key: ConfigKeyName, value: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
