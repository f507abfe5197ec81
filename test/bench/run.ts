/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` (or the ones named on the command line) in turn.
 * Each exports `default async function run(): Promise<void>` that measures and prints a table. Benchmarks measure;
 * they never pass or fail on a time.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<void> };
  await mod.default();
}
