import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** What each file imports at run time or for types, as repository paths or package names. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith('.') ? relative(process.cwd(), resolve(file, '..', s)).replace(/\.js$/, '.ts') : s));
}

/**
 * DESIGN.md's layering: data flows hardware → control → session → journal → uplink. The safety path must not depend on
 * the journal, the network or the web; hal/ holds contracts and drivers without charging logic.
 */
describe('architecture (DESIGN.md layering)', () => {
  it('src/control imports only hal contracts and the leaf modules (clock, logger, errors, config types)', () => {
    const allowed = /^(hal\/|src\/control\/|src\/clock\.ts|src\/logger\.ts|src\/errors\.ts|src\/config\/schema\.ts)/;
    const bad = sources('src/control').flatMap((f) =>
      importsOf(f)
        .filter((i) => i.includes('/') || i.startsWith('src'))
        .filter((i) => !allowed.test(i) && !i.startsWith('node:'))
        .map((i) => `${f} → ${i}`),
    );
    assert.deepEqual(bad, []);
    const forbidden = sources('src/control').filter((f) => /better-sqlite3|ocpp-rpc|from 'ws'/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(forbidden, []);
  });

  it('hal/ imports nothing of src/ but the leaf modules clock and errors', () => {
    const bad = sources('hal').flatMap((f) =>
      importsOf(f)
        .filter((i) => i.startsWith('src/') && i !== 'src/clock.ts' && i !== 'src/errors.ts')
        .map((i) => `${f} → ${i}`),
    );
    assert.deepEqual(bad, []);
  });

  it('src/journal imports nothing above it (no control logic, no uplink)', () => {
    const bad = sources('src/journal').flatMap((f) =>
      importsOf(f)
        .filter((i) => /^src\/(ocpp|control|station|billing|web|commands)/.test(i))
        .filter((i) => i !== 'src/control/charger-fsm.ts' && i !== 'src/control/session-port.ts')
        .map((i) => `${f} → ${i}`),
    );
    assert.deepEqual(bad, []);
  });

  it('simulator/ implements hal contracts and never reaches into the uplink or the journal', () => {
    const bad = sources('simulator').flatMap((f) =>
      importsOf(f)
        .filter((i) => /^src\/(ocpp|journal)\//.test(i) && !f.startsWith('simulator/csms/'))
        .filter((i) => !/ports\.ts$/.test(i))
        .map((i) => `${f} → ${i}`),
    );
    assert.deepEqual(bad, []);
  });

  it('src/web is read-side: nothing under it imports it, and it reaches no database or socket library itself', () => {
    const below = ['hal', 'src/control', 'src/session', 'src/journal', 'src/ocpp', 'src/billing', 'simulator'];
    const bad = below.flatMap((dir) => sources(dir).flatMap((f) => importsOf(f).filter((i) => i.startsWith('src/web/')).map((i) => `${f} → ${i}`)));
    assert.deepEqual(bad, []);
    const direct = sources('src/web').filter((f) => /better-sqlite3|ocpp-rpc|from 'ws'/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(direct, []);
  });
});
