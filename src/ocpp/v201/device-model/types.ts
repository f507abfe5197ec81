/**
 * The OCPP 2.0.1 device model's vocabulary (Part 2, chapter 2.2 and the DataTypes of GetVariables / SetVariables /
 * NotifyReport): what a variable is, how it is named on the wire, and how a definition describes it.
 */

export type DataType = 'string' | 'decimal' | 'integer' | 'dateTime' | 'boolean' | 'OptionList' | 'SequenceList' | 'MemberList';
export type Mutability = 'ReadOnly' | 'WriteOnly' | 'ReadWrite';
export type AttributeType = 'Actual' | 'Target' | 'MinSet' | 'MaxSet';

/** EVSEType on the wire: an EVSE, or one connector of it. */
export interface EvseRef {
  readonly id: number;
  readonly connectorId?: number;
}

/** ComponentType on the wire. */
export interface ComponentRef {
  readonly name: string;
  readonly instance?: string;
  readonly evse?: EvseRef;
}

/** VariableType on the wire. */
export interface VariableRef {
  readonly name: string;
  readonly instance?: string;
}

/** How one variable behaves: its type, limits, who may write it, and where its value comes from. */
export interface VariableSpec {
  readonly dataType: DataType;
  readonly mutability: Mutability;
  /** Value until one is stored (a config seed takes its place); absent for live variables. */
  readonly value?: string;
  /** The Actual value is the station's state, read when asked (never stored). */
  readonly live?: () => string;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  /** Longest accepted string value (dataType string). */
  readonly maxLength?: number;
  /** The allowed values of an OptionList, and the allowed members of a MemberList / SequenceList. */
  readonly values?: readonly string[];
  /** A MemberList / SequenceList needs at least this many members (default 0). */
  readonly minMembers?: number;
  /** A new value is stored but only used after a restart: SetVariables answers RebootRequired. */
  readonly rebootRequired?: boolean;
  /**
   * Part of a SummaryInventory report (the component's state, not its configuration); `'when-true'`: only while its
   * value is "true" (Part 2, ReportBaseEnumType: the Problem, Tripped, Overload, Fallback variables of components in an
   * abnormal state).
   */
  readonly summary?: boolean | 'when-true';
  /** The value is fixed by the station and never changes (NotifyReport `constant`). */
  readonly constant?: boolean;
  /** Attributes besides Actual, each read-only with a fixed value (EVSE Power MaxSet). */
  readonly extra?: Partial<Record<Exclude<AttributeType, 'Actual'>, string>>;
  /** Extra check of a well-typed value; returns why it is refused, or null. */
  readonly check?: (value: string) => string | null;
}

/** One component with its variables; `variables` is keyed by `Name` or `Name[Instance]`. */
export interface ComponentSpec {
  readonly component: ComponentRef;
  readonly variables: Readonly<Record<string, VariableSpec>>;
}

/** `Name` or `Name[Instance]`: how a variable is keyed in a component's table (and in the typed read API). */
export function variableKey(variable: VariableRef): string {
  return variable.instance === undefined ? variable.name : `${variable.name}[${variable.instance}]`;
}

/** The VariableRef a table key stands for. */
export function variableOfKey(key: string): VariableRef {
  const m = /^([^[\]]+)\[([^[\]]+)\]$/.exec(key);
  return m ? { name: m[1] ?? key, instance: m[2] ?? '' } : { name: key };
}

/** `Name`, `Name[Instance]`, `Name@evse` or `Name[Instance]@evse.connector`: a component's identity. */
export function componentKey(component: ComponentRef): string {
  const base = component.instance === undefined ? component.name : `${component.name}[${component.instance}]`;
  if (!component.evse) return base;
  return `${base}@${component.evse.id}${component.evse.connectorId === undefined ? '' : `.${component.evse.connectorId}`}`;
}

/** The identity of one attribute of one variable: `Component/Variable` plus `#Attribute` when not Actual. */
export function attributeKey(component: ComponentRef, variable: VariableRef, attribute: AttributeType = 'Actual'): string {
  return `${componentKey(component)}/${variableKey(variable)}${attribute === 'Actual' ? '' : `#${attribute}`}`;
}
