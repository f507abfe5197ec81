/**
 * `npm run bench [-- [--json] [--quick] [NAME…]]`: runs every `test/bench/*.bench.ts` (or those whose file name
 * contains one of the NAMEs) in turn and prints one table of their figures, each beside its target and the ratio.
 * `--json` prints the figures as one JSON array instead, and nothing else on stdout (the benchmarks' own detail lines
 * go to stderr in both modes). `--quick` asks each benchmark for a short run (smoke checks).
 * Benchmarks measure; a figure beyond its target is reported, never a failure. The exit code is 1 only when a
 * benchmark threw (the others still run and are printed), else 0.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bench, Figure } from './figures.js';
import { formatTable, withRatio, type RatedFigure } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const unknown = args.filter((a) => a.startsWith('--') && a !== '--json' && a !== '--quick');
if (unknown.length > 0) {
  process.stderr.write(`unknown option ${unknown.join(' ')}; usage: npm run bench -- [--json] [--quick] [NAME…]\n`);
  process.exit(64);
}
const wanted = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(' ')}\n`);
  process.exit(64);
}

/** A bench module's default export, checked: the import is untyped. */
function benchOf(file: string, mod: unknown): Bench {
  const fn = (mod as { default?: unknown }).default;
  if (typeof fn !== 'function') throw new Error(`${file} has no default export of a Bench function`);
  return fn as Bench;
}

/** The figures a bench returned, checked field by field: a malformed one is an error of that bench. */
function checkFigures(file: string, result: unknown): Figure[] {
  if (!Array.isArray(result)) throw new Error(`${file} did not resolve with an array of figures`);
  for (const f of result as Partial<Figure>[]) {
    const ok =
      typeof f.bench === 'string' &&
      typeof f.name === 'string' &&
      typeof f.value === 'number' &&
      typeof f.unit === 'string' &&
      (f.target === undefined || ((f.target.kind === 'max' || f.target.kind === 'min') && typeof f.target.value === 'number'));
    if (!ok) throw new Error(`${file} returned a malformed figure: ${JSON.stringify(f)}`);
  }
  return result as Figure[];
}

const figures: RatedFigure[] = [];
const failed: string[] = [];
const started = performance.now();
for (const file of files) {
  const t0 = performance.now();
  process.stderr.write(`\n=== ${file}${quick ? ' (quick)' : ''} ===\n`);
  try {
    const bench = benchOf(file, await import(pathToFileURL(join(here, file)).href));
    const result = checkFigures(file, await bench({ quick }));
    figures.push(...result.map(withRatio));
    process.stderr.write(`=== ${file}: ${result.length} figures in ${((performance.now() - t0) / 1000).toFixed(0)} s ===\n`);
  } catch (err) {
    failed.push(file);
    process.stderr.write(`=== ${file} FAILED after ${((performance.now() - t0) / 1000).toFixed(0)} s: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
}
const seconds = (performance.now() - started) / 1000;
if (json) {
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} else {
  process.stdout.write(`${formatTable(figures)}\n`);
  process.stdout.write(`${files.length} benchmarks in ${seconds.toFixed(0)} s${failed.length > 0 ? `; FAILED: ${failed.join(', ')}` : ''}\n`);
}
process.stderr.write(`bench: ${files.length} benchmarks in ${seconds.toFixed(0)} s${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}\n`);
// Benchmarks never fail on a time; only a benchmark that threw makes the run fail.
process.exitCode = failed.length > 0 ? 1 : 0;
