/**
 * The station's OCPP 2.0.1 device model: every component and variable it reports, with their attributes, values
 * persisted in the journal's key-value store (namespace `ocpp201.variables`, one entry per written attribute), and
 * synchronous reads from memory. GetVariables, SetVariables and GetBaseReport are answered from here; other modules
 * read their settings through the typed API (`deviceModel.int('TxCtrlr', 'EVConnectionTimeOut')`) and follow changes
 * with `onChange`.
 */
import { EvseError, EvseErrorCode } from '../../../errors.js';
import type { KeyValueStore } from '../../../journal/ports.js';
import type { Logger } from '../../../logger.js';
import { CONTROLLERS, type ControllerName, type ControllerVariable } from './controllers.js';
import {
  attributeKey,
  componentKey,
  variableKey,
  variableOfKey,
  type AttributeType,
  type ComponentRef,
  type ComponentSpec,
  type VariableRef,
  type VariableSpec,
} from './types.js';
import { valueProblem } from './value-check.js';

export const DEVICE_MODEL_NAMESPACE = 'ocpp201.variables';

export interface StatusInfo {
  readonly reasonCode: string;
  readonly additionalInfo?: string;
}

export interface GetVariableData {
  readonly component: ComponentRef;
  readonly variable: VariableRef;
  readonly attributeType?: AttributeType;
}

export type GetVariableStatus = 'Accepted' | 'Rejected' | 'UnknownComponent' | 'UnknownVariable' | 'NotSupportedAttributeType';

export interface GetVariableResult {
  readonly attributeStatus: GetVariableStatus;
  readonly attributeType?: AttributeType;
  readonly attributeValue?: string;
  readonly component: ComponentRef;
  readonly variable: VariableRef;
  readonly attributeStatusInfo?: StatusInfo;
}

export interface SetVariableData {
  readonly component: ComponentRef;
  readonly variable: VariableRef;
  readonly attributeType?: AttributeType;
  readonly attributeValue: string;
}

export type SetVariableStatus = GetVariableStatus | 'RebootRequired';

export interface SetVariableResult {
  readonly attributeStatus: SetVariableStatus;
  readonly attributeType?: AttributeType;
  readonly component: ComponentRef;
  readonly variable: VariableRef;
  readonly attributeStatusInfo?: StatusInfo;
}

export type ReportBase = 'ConfigurationInventory' | 'FullInventory' | 'SummaryInventory';

/** ReportDataType of NotifyReport. */
export interface ReportData {
  readonly component: ComponentRef;
  readonly variable: VariableRef;
  readonly variableAttribute: readonly Record<string, unknown>[];
  readonly variableCharacteristics: Record<string, unknown>;
}

export type ChangeListener = (component: ComponentRef, variable: VariableRef, value: string) => void;

type Lookup =
  | { readonly found: true; readonly component: ComponentSpec; readonly spec: VariableSpec }
  | { readonly found: false; readonly status: 'UnknownComponent' | 'UnknownVariable' };

/** Drops undefined members, so what goes on the wire has only what was given (strict schemas refuse nothing else). */
function refOf<T extends object>(ref: T): T {
  return Object.fromEntries(Object.entries(ref).filter(([, v]) => v !== undefined)) as T;
}

export class DeviceModel {
  private readonly components = new Map<string, ComponentSpec>();
  /** Actual values of the variables that are not live: stored, else seeded, else the default. */
  private readonly values = new Map<string, string>();
  private readonly listeners = new Set<ChangeListener>();

  private constructor(
    components: readonly ComponentSpec[],
    private readonly kv: KeyValueStore,
    private readonly logger: Logger,
  ) {
    for (const c of components) this.components.set(componentKey(c.component), c);
  }

  /**
   * Loads stored values. A variable never written takes its seed (config `ocpp.initialKeys`, keyed
   * `Component/Variable[Instance]`, e.g. `DeviceDataCtrlr/ItemsPerMessage[GetReport]`) or its default. A seed for an
   * unknown variable, or with a bad value, is a config error naming it; 1.6 key names (no `/`) are ignored.
   */
  static async load(kv: KeyValueStore, components: readonly ComponentSpec[], seeds: Readonly<Record<string, string>>, logger: Logger): Promise<DeviceModel> {
    const model = new DeviceModel(components, kv, logger);
    for (const c of components) {
      for (const [key, spec] of Object.entries(c.variables)) {
        if (spec.value !== undefined) model.values.set(attributeKey(c.component, variableOfKey(key)), spec.value);
      }
    }
    for (const [key, value] of Object.entries(seeds)) {
      if (!key.includes('/')) {
        logger.warn({ key }, 'ocpp.initialKeys: an OCPP 1.6 key name, ignored by the 2.0.1 device model (use Component/Variable)');
        continue;
      }
      const spec = model.specOfKey(key);
      if (!spec || spec.live) throw new EvseError(EvseErrorCode.ConfigInvalid, `ocpp.initialKeys.${key}: no such variable in the 2.0.1 device model`);
      const problem = valueProblem(spec, value);
      if (problem) throw new EvseError(EvseErrorCode.ConfigInvalid, `ocpp.initialKeys.${key}: ${problem.detail}`);
      model.values.set(key, value);
    }
    for (const [key, value] of await kv.list(DEVICE_MODEL_NAMESPACE)) {
      const spec = model.specOfKey(key);
      // A stored value the station no longer knows, or one that no longer fits (an older version): the default stays.
      if (!spec || spec.mutability === 'ReadOnly' || typeof value !== 'string' || valueProblem(spec, value)) {
        logger.warn({ key }, 'stored device-model value ignored');
        continue;
      }
      model.values.set(key, value);
    }
    return model;
  }

  /** The Actual value of a controller variable (typed: `get('TxCtrlr', 'TxStartPoint')`). */
  get<C extends ControllerName>(component: C, variable: ControllerVariable<C>): string {
    return this.read({ name: component }, variableOfKey(variable)) ?? '';
  }

  int<C extends ControllerName>(component: C, variable: ControllerVariable<C>): number {
    return Number(this.get(component, variable));
  }

  bool<C extends ControllerName>(component: C, variable: ControllerVariable<C>): boolean {
    return this.get(component, variable) === 'true';
  }

  /** The members of a MemberList / SequenceList. */
  list<C extends ControllerName>(component: C, variable: ControllerVariable<C>): string[] {
    const v = this.get(component, variable);
    return v === '' ? [] : v.split(',');
  }

  /**
   * Any attribute of any variable, or null when there is none. The station's own read: a write-only value
   * (BasicAuthPassword) is returned here, never to the CSMS (GetVariables, NotifyReport).
   */
  read(component: ComponentRef, variable: VariableRef, attribute: AttributeType = 'Actual'): string | null {
    const found = this.lookup(component, variable);
    if (!found.found) return null;
    return this.valueOf(found.component, variable, found.spec, attribute);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** B06: one result per item, in order. */
  getVariables(items: readonly GetVariableData[]): GetVariableResult[] {
    return items.map((item) => {
      const attributeType = item.attributeType ?? 'Actual';
      const base = { component: refOf(item.component), variable: refOf(item.variable), ...(item.attributeType ? { attributeType } : {}) };
      const found = this.lookup(item.component, item.variable);
      if (!found.found) return { ...base, attributeStatus: found.status };
      if (!this.supports(found.spec, attributeType)) return { ...base, attributeStatus: 'NotSupportedAttributeType' };
      if (attributeType === 'Actual' && found.spec.mutability === 'WriteOnly') {
        return { ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'WriteOnly' } };
      }
      const value = this.valueOf(found.component, item.variable, found.spec, attributeType) ?? '';
      return { ...base, attributeStatus: 'Accepted', attributeValue: value.slice(0, 2500) };
    });
  }

  /**
   * B05: each item on its own, in order. Unknown component/variable and unsupported attribute get their status; a
   * read-only target, a wrong type or a value out of range is Rejected with the reason; an accepted value is stored
   * in the journal before the answer (RebootRequired when it is only used after a restart).
   */
  async setVariables(items: readonly SetVariableData[]): Promise<SetVariableResult[]> {
    const results: SetVariableResult[] = [];
    for (const item of items) {
      const attributeType = item.attributeType ?? 'Actual';
      const base = { component: refOf(item.component), variable: refOf(item.variable), ...(item.attributeType ? { attributeType } : {}) };
      const found = this.lookup(item.component, item.variable);
      if (!found.found) {
        results.push({ ...base, attributeStatus: found.status });
        continue;
      }
      const { spec } = found;
      if (!this.supports(spec, attributeType)) {
        results.push({ ...base, attributeStatus: 'NotSupportedAttributeType' });
        continue;
      }
      if (attributeType !== 'Actual' || spec.mutability === 'ReadOnly') {
        results.push({ ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'ReadOnly' } });
        continue;
      }
      const problem = valueProblem(spec, item.attributeValue);
      if (problem) {
        results.push({ ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: problem.reasonCode, additionalInfo: problem.detail.slice(0, 512) } });
        continue;
      }
      try {
        await this.store(found.component.component, item.variable, item.attributeValue);
      } catch (err) {
        this.logger.error({ error: (err as Error).message }, 'could not store a device-model value');
        results.push({ ...base, attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'InternalError' } });
        continue;
      }
      results.push({ ...base, attributeStatus: spec.rebootRequired ? 'RebootRequired' : 'Accepted' });
    }
    return results;
  }

  /**
   * Writes a value on the station's own behalf (BootNotification's heartbeat interval): checked like SetVariables
   * but allowed on read-only variables; stored and announced like any change.
   */
  async setOwn<C extends ControllerName>(component: C, variable: ControllerVariable<C>, value: string): Promise<void> {
    const ref = variableOfKey(variable);
    const found = this.lookup({ name: component }, ref);
    if (!found.found) throw new EvseError(EvseErrorCode.InvalidArgument, `no variable ${component}/${variable}`);
    const problem = valueProblem(found.spec, value);
    if (problem) throw new EvseError(EvseErrorCode.InvalidArgument, `${component}/${variable}: ${problem.detail}`);
    await this.store({ name: component }, ref, value);
  }

  /** The report data of a GetBaseReport, in table order. */
  report(base: ReportBase): ReportData[] {
    const data: ReportData[] = [];
    for (const c of this.components.values()) {
      for (const [key, spec] of Object.entries(c.variables)) {
        if (base === 'ConfigurationInventory' && spec.mutability === 'ReadOnly') continue;
        if (base === 'SummaryInventory' && (!spec.summary || (spec.summary === 'when-true' && spec.live?.() !== 'true'))) continue;
        const variable = variableOfKey(key);
        const actual: Record<string, unknown> = {
          type: 'Actual',
          mutability: spec.mutability,
          persistent: spec.live === undefined,
          constant: spec.constant ?? false,
        };
        if (spec.mutability !== 'WriteOnly') actual['value'] = (this.valueOf(c, variable, spec, 'Actual') ?? '').slice(0, 2500);
        const extras = Object.entries(spec.extra ?? {}).map(([type, value]) => ({ type, value, mutability: 'ReadOnly', persistent: true, constant: true }));
        data.push({
          component: refOf(c.component),
          variable: refOf(variable),
          variableAttribute: [actual, ...extras],
          variableCharacteristics: refOf({
            dataType: spec.dataType,
            supportsMonitoring: false,
            unit: spec.unit,
            minLimit: spec.min,
            maxLimit: spec.max,
            valuesList: spec.values?.join(',').slice(0, 1000),
          }),
        });
      }
    }
    return data;
  }

  private async store(component: ComponentRef, variable: VariableRef, value: string): Promise<void> {
    const key = attributeKey(component, variable);
    await this.kv.set(DEVICE_MODEL_NAMESPACE, key, value);
    this.values.set(key, value);
    for (const listener of this.listeners) {
      try {
        listener(component, variable, value);
      } catch (err) {
        this.logger.error({ key, error: (err as Error).message }, 'a device-model change listener threw');
      }
    }
  }

  private lookup(component: ComponentRef, variable: VariableRef): Lookup {
    const c = this.components.get(componentKey(component));
    if (!c) return { found: false, status: 'UnknownComponent' };
    const spec = c.variables[variableKey(variable)];
    if (!spec) return { found: false, status: 'UnknownVariable' };
    return { found: true, component: c, spec };
  }

  private supports(spec: VariableSpec, attribute: AttributeType): boolean {
    return attribute === 'Actual' || spec.extra?.[attribute] !== undefined;
  }

  private valueOf(c: ComponentSpec, variable: VariableRef, spec: VariableSpec, attribute: AttributeType): string | null {
    if (attribute !== 'Actual') return spec.extra?.[attribute] ?? null;
    if (spec.live) return spec.live();
    return this.values.get(attributeKey(c.component, variable)) ?? null;
  }

  /** The spec of an attribute key `Component/Variable` (Actual only), or undefined. */
  private specOfKey(key: string): VariableSpec | undefined {
    const slash = key.indexOf('/');
    if (slash < 0 || key.includes('#')) return undefined;
    const c = this.components.get(key.slice(0, slash));
    return c?.variables[key.slice(slash + 1)];
  }
}

/** The controllers' table, for code that needs a variable's definition (limits in a UI, tests). */
export { CONTROLLERS };
