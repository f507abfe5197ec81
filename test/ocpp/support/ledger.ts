import assert from 'node:assert/strict';
import type { RecordedFrame } from '../../../simulator/csms/bench-csms.js';

export interface ExpectedSession {
  readonly idTag: string;
  readonly meterStart: number;
  readonly meterStop: number;
}

/** Transaction calls the CSMS answered with a CALLRESULT, in arrival order, with the answer. */
export function answeredCalls(frames: readonly RecordedFrame[], method: string): { params: Record<string, unknown>; result: Record<string, unknown>; index: number }[] {
  const results = new Map<string, { payload: unknown; type: string }>();
  frames.forEach((f) => {
    if (f.outbound && (f.type === 'CALLRESULT' || f.type === 'CALLERROR')) results.set(f.messageId, { payload: f.payload, type: f.type });
  });
  const out: { params: Record<string, unknown>; result: Record<string, unknown>; index: number }[] = [];
  frames.forEach((f, index) => {
    if (f.outbound || f.type !== 'CALL' || f.method !== method) return;
    const answer = results.get(f.messageId);
    if (answer?.type === 'CALLRESULT') out.push({ params: f.payload as Record<string, unknown>, result: answer.payload as Record<string, unknown>, index });
  });
  return out;
}

/**
 * The CSMS's view must be exactly: per session one accepted Start and one accepted Stop, sessions in order, each Stop
 * after its Start with the transactionId the CSMS gave that Start, and the right meter values.
 */
export function assertLedger(frames: readonly RecordedFrame[], expected: readonly ExpectedSession[]): void {
  const starts = answeredCalls(frames, 'StartTransaction');
  const stops = answeredCalls(frames, 'StopTransaction');
  assert.equal(starts.length, expected.length, `accepted StartTransaction count: ${JSON.stringify(starts.map((s) => s.params))}`);
  assert.equal(stops.length, expected.length, `accepted StopTransaction count: ${JSON.stringify(stops.map((s) => s.params))}`);
  expected.forEach((session, i) => {
    const start = starts[i];
    const stop = stops[i];
    assert.ok(start && stop);
    assert.equal(start.params['idTag'], session.idTag, `session ${i} idTag`);
    assert.equal(start.params['meterStart'], session.meterStart, `session ${i} meterStart`);
    assert.equal(start.params['transactionId'], undefined);
    assert.equal(stop.params['transactionId'], start.result['transactionId'], `session ${i} Stop carries the Start's transactionId`);
    assert.equal(stop.params['meterStop'], session.meterStop, `session ${i} meterStop`);
    assert.ok(start.index < stop.index, `session ${i}: Start before Stop`);
    const nextStart = starts[i + 1];
    if (nextStart) assert.ok(stop.index < nextStart.index, `session ${i} Stop before session ${i + 1} Start`);
  });
  const allTx = frames.filter((f) => !f.outbound && f.type === 'CALL' && (f.method === 'StopTransaction' || f.method === 'MeterValues'));
  for (const f of allTx) {
    const tx = (f.payload as Record<string, unknown>)['transactionId'];
    assert.ok(tx === undefined || (typeof tx === 'number' && tx > 0), `no placeholder transactionId on the wire: ${f.raw}`);
  }
}
