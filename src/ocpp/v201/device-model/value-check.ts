/** Whether a text value fits a variable's data type and limits (SetVariables, config seeds). */
import type { VariableSpec } from './types.js';

/** Why a refused value is refused: the reasonCode of SetVariables' attributeStatusInfo (at most 20 characters). */
export type ValueProblem = { readonly reasonCode: 'InvalidValue' | 'ValueOutOfRange' | 'ValueTooLarge'; readonly detail: string };

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

/** Null when `value` is acceptable for `spec`, else why not. */
export function valueProblem(spec: VariableSpec, value: string): ValueProblem | null {
  const invalid = (detail: string): ValueProblem => ({ reasonCode: 'InvalidValue', detail });
  switch (spec.dataType) {
    case 'integer':
    case 'decimal': {
      if (!(spec.dataType === 'integer' ? /^-?\d+$/ : DECIMAL).test(value)) return invalid(`not ${spec.dataType === 'integer' ? 'an integer' : 'a decimal'}: '${value}'`);
      const n = Number(value);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return { reasonCode: 'ValueOutOfRange', detail: `${value} is outside ${spec.min ?? '-∞'}..${spec.max ?? '∞'}` };
      }
      break;
    }
    case 'boolean':
      if (value !== 'true' && value !== 'false') return invalid(`not true or false: '${value}'`);
      break;
    case 'dateTime':
      if (!Number.isFinite(Date.parse(value))) return invalid(`not a date-time: '${value}'`);
      break;
    case 'string':
      if (spec.maxLength !== undefined && value.length > spec.maxLength) return { reasonCode: 'ValueTooLarge', detail: `longer than ${spec.maxLength} characters` };
      break;
    case 'OptionList':
      if (!(spec.values ?? []).includes(value)) return invalid(`not one of ${(spec.values ?? []).join(',')}`);
      break;
    case 'MemberList':
    case 'SequenceList': {
      const members = value === '' ? [] : value.split(',');
      if (members.length < (spec.minMembers ?? 0)) return invalid(`needs at least ${spec.minMembers ?? 0} member(s)`);
      const unknown = members.filter((m) => !(spec.values ?? []).includes(m));
      if (unknown.length > 0) return invalid(`not supported: ${unknown.join(',')}`);
      if (new Set(members).size !== members.length) return invalid('a member is repeated');
      break;
    }
  }
  const reason = spec.check?.(value) ?? null;
  return reason === null ? null : invalid(reason);
}
