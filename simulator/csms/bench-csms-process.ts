/**
 * The bench CSMS as a process of its own, for tests that kill the station and must not lose the CSMS's memory with
 * it: `tsx simulator/csms/bench-csms-process.ts --ledger FILE [--port N]`. It prints `listening URL` on stdout once
 * it accepts stations, and appends one JSON line to the ledger for every StartTransaction, StopTransaction and
 * MeterValues (OCPP 1.6) and every TransactionEvent (OCPP 2.0.1) it answered (written before the answer leaves, so an
 * answered call is always in the ledger). An identical StartTransaction sent again gets the transactionId of its
 * first copy; a 2.0.1 transactionId is the station's, so a TransactionEvent needs no such memory.
 * Commands on stdin, one per line: `down` (stop listening, drop the sockets), `up`, `drop` (drop the sockets, keep
 * listening), `quit`. Each is acknowledged on stdout with `ok COMMAND`.
 */
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createBenchCsms } from './bench-csms.js';
import { defaultCsmsAnswers } from './default-answers.js';
import { defaultCsms201Answers } from './default-answers-201.js';

/** One answered call as the ledger holds it. */
export interface LedgerEntry {
  readonly method: 'StartTransaction' | 'StopTransaction' | 'MeterValues' | 'TransactionEvent';
  readonly identity: string;
  readonly params: Record<string, unknown>;
  readonly answer: unknown;
  readonly atMs: number;
  /**
   * Websocket connections the CSMS had accepted when it answered (1, 2 …): the station's connection at the time, so
   * a copy sent again on the same connection (no restart, no reconnect between) can be told from one after a restart.
   */
  readonly connection?: number;
}

const recorded = ['StartTransaction', 'StopTransaction', 'MeterValues', 'TransactionEvent'] as const;

/** What makes two StartTransaction requests the same transaction. */
function startKey(identity: string, params: Record<string, unknown>): string {
  return JSON.stringify([identity, params['connectorId'], params['idTag'], params['meterStart'], params['timestamp'], params['reservationId'] ?? null]);
}
const startAnswers = new Map<string, unknown>();

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ledger: { type: 'string' }, port: { type: 'string', default: '0' } } });
  const ledger = values.ledger;
  if (ledger === undefined) throw new Error('--ledger FILE is required');
  const csms = await createBenchCsms({ port: Number(values.port) });
  // A responder installed here answers the method whatever the station's protocol: MeterValues keeps 1.6's answer,
  // which is 2.0.1's too (an empty object); TransactionEvent exists in 2.0.1 only.
  const defaults: Readonly<Record<string, ((params: Record<string, unknown>, identity: string) => unknown) | undefined>> = {
    ...defaultCsmsAnswers(csms.answers),
    TransactionEvent: defaultCsms201Answers(csms.answers)['TransactionEvent'],
  };
  for (const method of recorded) {
    const standard = defaults[method];
    if (!standard) throw new Error(`no default answer for ${method}`);
    csms.controls.respondWith(method, (params, identity) => {
      // An identical StartTransaction again (same station, connector, card, meterStart and timestamp) is the same
      // transaction re-sent after the station lost the answer (killed before it committed the delivery): it gets the
      // transactionId it got the first time, as a backend that deduplicates retransmissions answers.
      const key = method === 'StartTransaction' ? startKey(identity, params) : null;
      const seen = key === null ? undefined : startAnswers.get(key);
      const answer = seen ?? standard(params, identity);
      if (key !== null && seen === undefined) startAnswers.set(key, answer);
      const entry: LedgerEntry = { method, identity, params, answer, atMs: Date.now(), connection: csms.acceptedConnections() };
      appendFileSync(ledger, `${JSON.stringify(entry)}\n`);
      return answer;
    });
  }
  process.stdout.write(`listening ${csms.url}\n`);
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const raw of rl) {
    const command = raw.trim();
    if (command === 'down') await csms.controls.goDown();
    else if (command === 'up') await csms.controls.comeBack();
    else if (command === 'drop') csms.controls.dropConnections();
    else if (command === 'quit') break;
    else if (command !== '') {
      process.stdout.write(`unknown command ${command}\n`);
      continue;
    }
    process.stdout.write(`ok ${command}\n`);
  }
  await csms.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench CSMS: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
