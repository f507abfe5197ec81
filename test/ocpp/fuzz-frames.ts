/**
 * Seeded generator of hostile OCPP-J frames, each with what the station must answer: a CALLERROR with a given 1.6
 * code (and message id), or nothing at all (answers to calls nobody made, empty frames).
 */

export const OCPP16_ERROR_CODES = new Set([
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
]);

export interface FuzzFrame {
  readonly kind: string;
  readonly data: string | Buffer;
  /** Websocket opcode for Buffer data: 2 (binary, the default) or 1 (a text frame with exactly these bytes). */
  readonly opcode?: 1 | 2;
  /**
   * null: the station must not answer. Otherwise the answer's id and, for a CALLERROR, its code when classifiable;
   * `result: true` for a valid, harmless call that must get a CALLRESULT.
   */
  readonly expect: null | { readonly id: string; readonly code: string | null; readonly result?: true };
}

/** mulberry32: small, fast and the same on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Calls of the CSMS whose payload breaks the 1.6 schema, with the code the validator's first error gives. */
const SCHEMA_BREAKERS: readonly { action: string; params: unknown; code: string }[] = [
  { action: 'Reset', params: {}, code: 'OccurenceConstraintViolation' },
  { action: 'Reset', params: { type: 5 }, code: 'TypeConstraintViolation' },
  { action: 'Reset', params: { type: 'Soft', extra: 1 }, code: 'PropertyConstraintViolation' },
  { action: 'Reset', params: 'Soft', code: 'TypeConstraintViolation' },
  { action: 'Reset', params: { type: 'Medium' }, code: 'FormationViolation' },
  { action: 'ChangeConfiguration', params: { key: 'AuthorizationKey' }, code: 'OccurenceConstraintViolation' },
  { action: 'ChangeConfiguration', params: { key: 'x'.repeat(51), value: '1' }, code: 'FormationViolation' },
  { action: 'ChangeConfiguration', params: { key: 'WebSocketPingInterval', value: 1 }, code: 'TypeConstraintViolation' },
  { action: 'ChangeAvailability', params: { connectorId: 'one', type: 'Inoperative' }, code: 'TypeConstraintViolation' },
  { action: 'ChangeAvailability', params: { connectorId: 1, type: 'Broken' }, code: 'FormationViolation' },
  { action: 'RemoteStartTransaction', params: { idTag: 'T'.repeat(21) }, code: 'FormationViolation' },
  { action: 'RemoteStartTransaction', params: { connectorId: 1 }, code: 'OccurenceConstraintViolation' },
  { action: 'RemoteStopTransaction', params: { transactionId: 1.5 }, code: 'TypeConstraintViolation' },
  { action: 'UnlockConnector', params: null, code: 'TypeConstraintViolation' },
  { action: 'TriggerMessage', params: { requestedMessage: 'Everything' }, code: 'FormationViolation' },
  { action: 'GetConfiguration', params: { key: 'WebSocketPingInterval' }, code: 'TypeConstraintViolation' },
  { action: 'ClearCache', params: { now: true }, code: 'PropertyConstraintViolation' },
  { action: 'SetChargingProfile', params: { connectorId: 1 }, code: 'OccurenceConstraintViolation' },
  { action: 'SendLocalList', params: { listVersion: 'x', updateType: 'Full' }, code: 'TypeConstraintViolation' },
  { action: 'DataTransfer', params: { vendorId: 7 }, code: 'TypeConstraintViolation' },
  { action: 'UpdateFirmware', params: { location: 'http://x', retrieveDate: 'tomorrow' }, code: 'FormationViolation' },
];

const WORDS = ['', ' ', 'null', '[', ']', '{', '}', '"', ',', '2', '3', '4', 'NaN', 'undefined', '\u0000', 'é', '\ud83d\ude00', '[2,"a"', '{"a":', '[[[[', ']]]'];

export function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

/** Up to `max` pieces: JSON-ish `words` and printable characters (the 2.0.1 fuzz passes its own words). */
export function randomText(rnd: () => number, max: number, words: readonly string[] = WORDS): string {
  let s = '';
  const n = 1 + Math.floor(rnd() * max);
  for (let i = 0; i < n; i++) s += rnd() < 0.5 ? pick(rnd, words) : String.fromCharCode(32 + Math.floor(rnd() * 95));
  return s;
}

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function int(rnd: () => number, max: number): number {
  return Math.floor(rnd() * (max + 1));
}

/**
 * A call valid against the 1.6 schema, with hostile values, whose answer changes nothing on an idle station: the fuzz
 * sends no valid call that acts (a Reset or a new AuthorizationKey legitimately restart the link; see
 * ACTING_CALL_BREAKERS for their broken forms). Each must get a CALLRESULT, never an InternalError.
 */
function harmlessValidCall(rnd: () => number): { action: string; params: Record<string, unknown> } {
  switch (int(rnd, 8)) {
    case 0:
      return { action: 'GetConfiguration', params: pick(rnd, [{}, { key: [] }, { key: ['HeartbeatInterval', 'AuthorizationKey', 'NoSuchKey', ''] }, { key: Array.from({ length: 200 }, (_, i) => `K${i}`) }]) };
    case 1:
      return { action: 'GetLocalListVersion', params: {} };
    case 2:
      return { action: 'GetCompositeSchedule', params: { connectorId: int(rnd, 3), duration: pick(rnd, [0, 1, 86_400, 2_147_483_647, int(rnd, 1e9)]), ...(rnd() < 0.5 ? { chargingRateUnit: pick(rnd, ['A', 'W']) } : {}) } };
    case 3:
      return { action: 'DataTransfer', params: { vendorId: pick(rnd, ['', 'x', 'com.unknown', 'V'.repeat(255)]), ...(rnd() < 0.5 ? { messageId: 'm', data: randomText(rnd, 20) } : {}) } };
    case 4:
      return { action: 'ClearChargingProfile', params: pick(rnd, [{ id: int(rnd, 1e9) }, { connectorId: 1, chargingProfilePurpose: 'TxProfile', stackLevel: int(rnd, 100) }]) };
    case 5:
      return { action: 'CancelReservation', params: { reservationId: pick(rnd, [0, -1, int(rnd, 2_147_483_647)]) } };
    case 6:
      return { action: 'ChangeConfiguration', params: { key: pick(rnd, ['NoSuchKey', 'x', 'HEARTBEATINTERVAL', '__proto__']), value: randomText(rnd, 10).slice(0, 500) } };
    case 7:
      return { action: 'RemoteStopTransaction', params: { transactionId: pick(rnd, [0, -1, int(rnd, 2_147_483_647)]) } };
    default:
      return { action: 'TriggerMessage', params: { requestedMessage: 'MeterValues', connectorId: pick(rnd, [0, 2, 99]) } };
  }
}

/** The bytes of a valid acting call with one invalid UTF-8 byte inside a string (idTag "T\xff", type "So\xffft" …). */
export function notUtf8Call(id: string, action: 'RemoteStartTransaction' | 'Reset' | 'ChangeConfiguration'): Buffer {
  const [head, tail] = {
    RemoteStartTransaction: ['{"idTag":"T', '"}'],
    Reset: ['{"type":"Hard', '"}'],
    ChangeConfiguration: ['{"key":"HeartbeatInterval","value":"6', '0"}'],
  }[action];
  return Buffer.concat([Buffer.from(`[2,${JSON.stringify(id)},"${action}",${head}`), Buffer.from([0xff]), Buffer.from(`${tail}]`)]);
}

/** The `n`-th frame kind cycles through every category, then a seeded choice fills the details. */
export function fuzzFrame(rnd: () => number, n: number): FuzzFrame {
  const id = `fz-${n}`;
  const kinds = [
    'notJson',
    'notArray',
    'typeNotNumber',
    'unknownType',
    'idNotString',
    'actionNotString',
    'unknownAction',
    'schemaBreaking',
    'resultForUnknownId',
    'errorForUnknownId',
    'hugeId',
    'binaryCall',
    'binaryGarbage',
    'shortCall',
    'textNotUtf8',
    'callNotUtf8',
    'harmlessValid',
  ] as const;
  const kind = pick(rnd, kinds);
  switch (kind) {
    case 'notJson': {
      let text = randomText(rnd, 12);
      if (isJson(text) || text.length === 0) text = `{${text}`;
      return { kind, data: text, expect: { id: '-1', code: 'FormationViolation' } };
    }
    case 'notArray':
      return { kind, data: JSON.stringify(pick(rnd, [{}, { a: [2, id] }, 2, 'x', null, true, 3.5])), expect: { id: '-1', code: 'FormationViolation' } };
    case 'typeNotNumber':
      return { kind, data: JSON.stringify([pick(rnd, ['2', null, [2], {}, true]), id, 'Reset', { type: 'Soft' }]), expect: { id: '-1', code: 'FormationViolation' } };
    case 'unknownType':
      return { kind, data: JSON.stringify([pick(rnd, [0, 1, 5, 6, 2.5, -2, 1e9]), id, 'Reset', {}]), expect: { id: '-1', code: 'GenericError' } };
    case 'idNotString':
      return { kind, data: JSON.stringify([2, pick(rnd, [7, null, ['a'], { id }]), 'Reset', { type: 'Soft' }]), expect: { id: '-1', code: 'FormationViolation' } };
    case 'actionNotString':
      return { kind, data: JSON.stringify([2, id, pick(rnd, [7, null, ['Reset'], { a: 1 }]), {}]), expect: { id, code: 'FormationViolation' } };
    case 'unknownAction':
      return { kind, data: JSON.stringify([2, id, pick(rnd, ['FooBar', 'reset', 'Heartbeat', 'BootNotification', '', '__proto__', 'constructor', 'A'.repeat(300)]), {}]), expect: { id, code: 'NotImplemented' } };
    case 'schemaBreaking': {
      const b = pick(rnd, SCHEMA_BREAKERS);
      return { kind: `schemaBreaking:${b.action}`, data: JSON.stringify([2, id, b.action, b.params]), expect: { id, code: b.code } };
    }
    case 'resultForUnknownId':
      return { kind, data: JSON.stringify([3, pick(rnd, [id, '', 'x'.repeat(5000)]), pick(rnd, [{}, { status: 'Accepted' }, null, 'x'])]), expect: null };
    case 'errorForUnknownId':
      return { kind, data: JSON.stringify([4, id, pick(rnd, ['GenericError', 'Nonsense', 7]), 'x', {}]), expect: null };
    case 'hugeId': {
      const huge = 'H'.repeat(1000 + Math.floor(rnd() * 200_000));
      return { kind, data: JSON.stringify([2, huge, 'FooBar', {}]), expect: { id: huge, code: 'NotImplemented' } };
    }
    case 'binaryCall':
      return { kind, data: Buffer.from(JSON.stringify([2, id, 'FooBar', {}])), expect: { id, code: 'NotImplemented' } };
    case 'binaryGarbage': {
      const bytes = Buffer.alloc(1 + Math.floor(rnd() * 64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256);
      bytes[0] = 0xff; // never valid UTF-8 JSON
      return { kind, data: bytes, expect: { id: '-1', code: 'FormationViolation' } };
    }
    case 'shortCall':
      // A CALL without its action: the array is not a CALL.
      return { kind, data: JSON.stringify([2, id]), expect: { id, code: 'FormationViolation' } };
    case 'textNotUtf8': {
      // A text frame whose bytes are not UTF-8: ws failed the whole connection on it (close 1007) before the fix.
      const bytes = Buffer.from(randomText(rnd, 8), 'utf8');
      return { kind, data: Buffer.concat([bytes, Buffer.from([pick(rnd, [0xff, 0xc0, 0xed, 0x80])]), bytes]), opcode: 1, expect: { id: '-1', code: 'FormationViolation' } };
    }
    case 'harmlessValid': {
      const call = harmlessValidCall(rnd);
      return { kind: `harmlessValid:${call.action}`, data: JSON.stringify([2, id, call.action, call.params]), expect: { id, code: null, result: true } };
    }
    case 'callNotUtf8':
      // A call that would act, with one string not UTF-8: decoded with a replacement character it would be valid.
      return { kind, data: notUtf8Call(id, pick(rnd, ['RemoteStartTransaction', 'Reset', 'ChangeConfiguration'])), opcode: 1, expect: { id: '-1', code: 'FormationViolation' } };
  }
}

/**
 * Named case "pong behind a backlog" (issue 17, deliverable 6): `count` calls of an unknown action, each with a
 * message id of `idBytes` characters, sent back to back. Every one is answered NotImplemented with the same huge id,
 * so the station needs well over a second to read and answer them; the pong to its websocket ping waits behind them
 * in the TCP stream. Before the fix ocpp-rpc counted only pongs as liveness and terminated this live socket after
 * about 100 frames (its pending calls failed with "Client going away"), then the station reconnected.
 */
export function backlogFrames(count: number, idBytes: number): FuzzFrame[] {
  const frames: FuzzFrame[] = [];
  for (let n = 0; n < count; n++) {
    const id = `backlog-${n}-${'B'.repeat(idBytes)}`;
    frames.push({ kind: 'backlog', data: JSON.stringify([2, id, 'FooBar', {}]), expect: { id, code: 'NotImplemented' } });
  }
  return frames;
}

/**
 * Calls whose valid form acts on the station (a reset, a reconnect with a new key or ping interval, a triggered
 * message, a session start or stop, a firmware download, availability, a charging limit) broken against the 1.6
 * schema. Valid forms of these are not fuzzed: a Reset or a new AuthorizationKey legitimately restart the link. The
 * broken forms must get a CALLERROR and change nothing.
 */
export const ACTING_CALL_BREAKERS: readonly { readonly action: string; readonly params: unknown }[] = [
  { action: 'Reset', params: { type: 'Hard', now: true } },
  { action: 'Reset', params: { type: 'hard' } },
  { action: 'Reset', params: [{ type: 'Hard' }] },
  { action: 'ChangeConfiguration', params: { key: 'AuthorizationKey', value: 1234567890123456 } },
  { action: 'ChangeConfiguration', params: { key: 'AuthorizationKey', value: 'k'.repeat(501) } },
  { action: 'ChangeConfiguration', params: { key: 'WebSocketPingInterval', value: 0 } },
  { action: 'ChangeConfiguration', params: { key: 'HeartbeatInterval' } },
  { action: 'ChangeConfiguration', params: { key: 'SecurityProfile', value: '2', extra: '' } },
  { action: 'TriggerMessage', params: { requestedMessage: 'BootNotification', connectorId: '0' } },
  { action: 'TriggerMessage', params: { requestedMessage: 'heartbeat' } },
  { action: 'RemoteStartTransaction', params: { idTag: 'TAG', connectorId: '1' } },
  { action: 'RemoteStopTransaction', params: {} },
  { action: 'ChangeAvailability', params: { connectorId: 0, type: 'inoperative' } },
  { action: 'UnlockConnector', params: { connectorId: '1' } },
  { action: 'UpdateFirmware', params: { location: 7, retrieveDate: '2030-01-01T00:00:00Z' } },
  { action: 'SetChargingProfile', params: { connectorId: 1, csChargingProfiles: { chargingProfileId: 1 } } },
  { action: 'ClearCache', params: { all: true } },
  { action: 'SendLocalList', params: { listVersion: 2, updateType: 'Everything' } },
  { action: 'ReserveNow', params: { connectorId: 1, expiryDate: 'soon', idTag: 'TAG', reservationId: 1 } },
];
