/**
 * `npm run test:reliability [-- --quick] [--json] [part…]`: runs the reliability parts, prints the table of figures
 * (part, figure, value, expected) and exits 1 when a figure does not hold (a count that must be zero is not).
 */
import { parseArgs } from 'node:util';
import { holds, type Part, type Row } from './parts/row.js';
import { parts } from './parts/index.js';
import { formatTable } from './table.js';

const { values, positionals } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true });
const chosen: Part[] = positionals.length === 0 ? [...parts] : positionals.map((name) => {
  const found = parts.find((p) => p.name === name);
  if (!found) {
    process.stderr.write(`unknown part "${name}"; parts: ${parts.map((p) => p.name).join(', ')}\n`);
    process.exit(64);
  }
  return found;
});

const rows: Row[] = [];
const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};
for (const part of chosen) {
  const t0 = Date.now();
  const first = rows.length;
  log(`${part.name}: running (${values.quick ? 'quick' : 'full'})`);
  try {
    rows.push(...(await part.run({ scale: values.quick ? 'quick' : 'full', log })));
  } catch (err) {
    // A part that could not run is a failure, with its reason in the table, never a silent gap.
    log(`${part.name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    rows.push({ part: part.name, figure: `part failed to run: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, value: 1, check: 'zero' });
  }
  rows.push({ part: rows[first]?.part ?? part.name, figure: 'run time', value: Math.round((Date.now() - t0) / 1000), unit: 's', check: 'info' });
  log(`${part.name}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const failed = rows.filter((r) => !holds(r));
if (values.json) process.stdout.write(`${JSON.stringify({ rows, failed: failed.length }, null, 2)}\n`);
else process.stdout.write(`\n${formatTable(rows)}\n\n${failed.length === 0 ? 'every figure holds' : `${failed.length} figure(s) do not hold`}\n`);
process.exit(failed.length === 0 ? 0 : 1);
