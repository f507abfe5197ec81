/**
 * Configuration fuzz: a valid full config (every section, the bench wiring's gpio section included) broken in one
 * place by fast-check: a wrong type, a number far out of range, an unknown key, or bad nesting (a section replaced by
 * a scalar or an array, or moved inside another). Every one must be refused with EvseError ConfigInvalid whose message
 * names the broken field. The bulk goes through the loader in-process (`loadConfigFile`, the code path `evse run`
 * takes); a sample is given to the real CLI, `evse run --config FILE`, which must exit 78 naming the field.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfigFile, parseConfig } from '../../../src/config/load.js';
import { EvseError, EvseErrorCode } from '../../../src/errors.js';
import { benchConfigInput } from '../../../simulator/bench-config.js';
import { benchGpioConfigInput } from '../../../simulator/bench-gpio-config.js';
import { info, zero, type PartOptions, type Row } from './row.js';

const part = 'configuration fuzz';
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

export interface Mutation {
  readonly kind: 'wrong type' | 'out of range' | 'unknown key' | 'bad nesting';
  readonly path: Path;
  /** What the refusal must name: the dotted path; for an unknown key, the path of its object and the key. */
  readonly named: string;
  /** The object holding an unknown or misplaced key ('' at the root), which the message must also name. */
  readonly parent?: string;
  readonly config: Json;
}

/** The full valid config, defaults filled in, as plain JSON. */
export function baseConfig(): { [key: string]: Json } {
  return JSON.parse(JSON.stringify(parseConfig({ ...benchConfigInput, gpio: benchGpioConfigInput }))) as { [key: string]: Json };
}

function nodes(value: Json, path: Path = []): { path: Path; value: Json }[] {
  const here = path.length > 0 ? [{ path, value }] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => nodes(v, [...path, i]))];
  if (value !== null && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => nodes(v, [...path, k]))];
  return here;
}

function setAt(root: Json, path: Path, value: Json): Json {
  const copy = structuredClone(root);
  let cur = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) cur = cur[key] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (last !== undefined) cur[last] = value;
  return copy;
}

function wrongTypeFor(value: Json, pick: number): Json {
  if (typeof value === 'number') return [String(value), true, [value]][pick % 3] ?? null;
  // Not a number: decimal fields (prices) take "0.39" or 0.39.
  if (typeof value === 'string') return [[value], false, { value }][pick % 3] ?? null;
  if (typeof value === 'boolean') return [value ? 'yes' : 'no', 1, [value]][pick % 3] ?? null;
  if (Array.isArray(value)) return [{ items: value }, 'list', 7][pick % 3] ?? null;
  if (value !== null) return [[value], 'section', 0][pick % 3] ?? null;
  return { unexpected: true };
}

/** fast-check arbitrary of one broken config. */
export function mutationArbitrary(base: { [key: string]: Json }): fc.Arbitrary<Mutation> {
  const all = nodes(base);
  const leaves = all.filter((n) => n.value !== null && typeof n.value !== 'object');
  const numbers = leaves.filter((n) => typeof n.value === 'number');
  // Records take any key (ocpp.initialKeys: OCPP configuration keys by name): an extra key there is not invalid.
  const records = new Set(['ocpp.initialKeys']);
  const objects = [
    { path: [] as Path, value: base as Json },
    ...all.filter((n) => n.value !== null && typeof n.value === 'object' && !Array.isArray(n.value) && !records.has(n.path.join('.'))),
  ];
  const sections = Object.keys(base);
  const dotted = (p: Path): string => p.map(String).join('.');
  return fc.oneof(
    fc.tuple(fc.nat(all.length - 1), fc.nat(2)).map(([i, pick]): Mutation => {
      const n = all[i] ?? all[0]!;
      return { kind: 'wrong type', path: n.path, named: dotted(n.path), config: setAt(base, n.path, wrongTypeFor(n.value, pick)) };
    }),
    // Far outside any field's range: 1e9 is a legitimate byte count (ocpp.firmwareMaxBytes takes up to 16 GiB).
    fc.tuple(fc.nat(numbers.length - 1), fc.constantFrom(-1e15, 1e15, -1e9, 1e12)).map(([i, bad]): Mutation => {
      const n = numbers[i] ?? numbers[0]!;
      return { kind: 'out of range', path: n.path, named: dotted(n.path), config: setAt(base, n.path, bad) };
    }),
    fc.tuple(fc.nat(objects.length - 1), fc.stringMatching(/^[a-z][A-Za-z]{2,12}$/)).map(([i, key]): Mutation => {
      const n = objects[i] ?? objects[0]!;
      const unknown = `zz${key}`;
      const value = { ...(n.value as { [key: string]: Json }), [unknown]: 1 };
      return { kind: 'unknown key', path: [...n.path, unknown], named: unknown, parent: dotted(n.path), config: n.path.length === 0 ? value : setAt(base, n.path, value) };
    }),
    fc.tuple(fc.nat(sections.length - 1), fc.nat(sections.length - 1), fc.nat(2)).map(([i, j, how]): Mutation => {
      const section = sections[i] ?? 'station';
      const host = sections[j] ?? 'station';
      if (how === 2 && host !== section) {
        // A section pasted one level too deep: `limits` inside `control`.
        const hostValue = base[host];
        const moved = { ...base, [host]: { ...(hostValue as { [key: string]: Json }), [section]: base[section] ?? null } };
        delete moved[section];
        return { kind: 'bad nesting', path: [host, section], named: section, parent: host, config: moved };
      }
      return { kind: 'bad nesting', path: [section], named: section, config: setAt(base, [section], how === 0 ? 'see ' + section : [base[section] ?? null]) };
    }),
  );
}

/** Why the loader's answer to a broken config is wrong (null: refused as it must be). */
export function judge(m: Mutation, outcome: unknown): string | null {
  if (!(outcome instanceof EvseError)) return `${m.kind} at ${m.parent ? `${m.parent}.` : ''}${m.named}: accepted`;
  if (outcome.code !== EvseErrorCode.ConfigInvalid) return `${m.kind} at ${m.parent ? `${m.parent}.` : ''}${m.named}: refused with ${outcome.code}, not ConfigInvalid`;
  // A rule across fields (`resumeC < derateC < stopC`) is reported on their object: its path and the field's key.
  const leaf = String(m.path[m.path.length - 1] ?? '');
  const parent = m.parent ?? m.path.slice(0, -1).map(String).join('.');
  const namesParent = outcome.message.includes(parent === '' ? '(root)' : `${parent}: `);
  const named = m.parent === undefined ? outcome.message.includes(m.named) || (namesParent && outcome.message.includes(leaf)) : namesParent && outcome.message.includes(m.named);
  if (!named) return `${m.kind} at ${m.parent ? `${m.parent}.` : ''}${m.named}: the message does not name it: ${outcome.message.slice(0, 300)}`;
  return null;
}

function loadOutcome(file: string): unknown {
  try {
    loadConfigFile(file);
    return null;
  } catch (err) {
    return err;
  }
}

export function run(options: PartOptions): Promise<Row[]> {
  const inProcess = options.scale === 'full' ? 5_000 : 300;
  const viaCli = options.scale === 'full' ? 40 : 1;
  const base = baseConfig();
  const dir = mkdtempSync(join(tmpdir(), 'evse-rel-config-'));
  const problems: string[] = [];
  const byKind: Record<string, number> = {};
  try {
    const file = join(dir, 'config.json');
    // The unbroken base passes: the fuzz measures the mutation, not a base that was already invalid.
    writeFileSync(file, JSON.stringify(base));
    const baseOutcome = loadOutcome(file);
    if (baseOutcome !== null) problems.push(`the unbroken base config is refused: ${baseOutcome instanceof Error ? baseOutcome.message : 'not an Error'}`);
    const samples = fc.sample(mutationArbitrary(base), { seed: 1207, numRuns: inProcess });
    for (const m of samples) {
      byKind[m.kind] = (byKind[m.kind] ?? 0) + 1;
      writeFileSync(file, JSON.stringify(m.config));
      const problem = judge(m, loadOutcome(file));
      if (problem) problems.push(problem);
    }
    let cliProblems = 0;
    for (const [i, m] of samples.slice(0, viaCli).entries()) {
      const cliFile = join(dir, `cli-${i}.json`);
      writeFileSync(cliFile, JSON.stringify(m.config));
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '--config', cliFile, '--state-dir', join(dir, 'state')], { encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 78 || !r.stderr.includes(m.named)) {
        cliProblems++;
        problems.push(`CLI, ${m.kind} at ${m.parent ? `${m.parent}.` : ''}${m.named}: exit ${r.status ?? r.signal}, stderr ${r.stderr.slice(0, 300)}`);
      }
    }
    // One line per broken field (the fuzz hits the same one many times).
    const distinct = new Map(problems.map((p) => [p.split(':')[0] ?? p, p]));
    for (const p of [...distinct.values()].slice(0, 30)) options.log?.(`${part}: ${p.slice(0, 400)}`);
    return Promise.resolve([
      info(part, `broken configs through the loader (${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`, inProcess),
      zero(part, 'broken configs accepted, or refused without naming the field', problems.length - cliProblems),
      info(part, 'broken configs given to `evse run --config`', viaCli),
      zero(part, '`evse run` not exiting 78 naming the field', cliProblems),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
