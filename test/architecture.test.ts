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

/**
 * Every module a file refers to: static imports and re-exports (type-only ones too), dynamic `import('…')`, and module
 * URLs (`new URL('./x.js', import.meta.url)`, how workers are started). Relative ones as repository paths ending in .ts.
 */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/\bnew URL\(\s*['"`](\.{1,2}\/[^'"`$]+)/g),
  ].map((m) => m[1] ?? '');
  return specs.map((s) => (s.startsWith('.') ? relative(process.cwd(), resolve(file, '..', s)).replace(/\.js$/, '.ts') : s));
}

/** `file → import` for every import of the files under `dir` that `forbidden` matches. */
function crossings(dir: string, forbidden: (spec: string) => boolean): string[] {
  return sources(dir).flatMap((f) => importsOf(f).filter(forbidden).map((i) => `${f} → ${i}`));
}

/** The leaves every module may use: time, logging, the one error class, starting a worker thread. */
const leaves = new Set(['src/clock.ts', 'src/logger.ts', 'src/errors.ts', 'src/worker-launcher.ts']);
const isSrc = (i: string): boolean => i.startsWith('src/');
const under = (...dirs: string[]) => (i: string): boolean => dirs.some((d) => i.startsWith(`${d}/`) || i === `${d}.ts`);

/**
 * Every "never" of DESIGN.md's layout, without exceptions: a deliberate crossing needs a change to DESIGN.md first.
 * Data flows hal → control → session → journal → uplink; the web page reads; the composition root wires it all.
 */
describe('architecture (DESIGN.md layout, no exceptions)', () => {
  it('sees every kind of import (static, type-only, re-export, dynamic, worker URL)', () => {
    const text = [
      "import { a } from './static.js';",
      "import type { B } from '../types.js';",
      "export type { C } from './reexport.js';",
      "const m = await import('./dynamic.js');",
      "const w = new URL('./worker.js', import.meta.url);",
      "import 'side-effect';",
    ].join('\n');
    assert.deepEqual(importsOf('src/x/file.ts', text).sort(), [
      'side-effect',
      'src/types.ts',
      'src/x/dynamic.ts',
      'src/x/reexport.ts',
      'src/x/static.ts',
      'src/x/worker.ts',
    ]);
  });

  it('hal/ imports nothing of src/ (its leaf is hal/base)', () => {
    assert.deepEqual(crossings('hal', isSrc), []);
  });

  it('src/control imports only hal/, its own files and the leaves: not its config from src/config, not journal, ocpp, billing, web', () => {
    assert.deepEqual(
      crossings('src/control', (i) => isSrc(i) && !i.startsWith('src/control/') && !leaves.has(i)),
      [],
    );
    const libraries = sources('src/control').filter((f) => /better-sqlite3|ocpp-rpc|from 'ws'|fastify/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(libraries, []);
  });

  it('src/journal imports neither the uplink nor the control core', () => {
    assert.deepEqual(crossings('src/journal', under('src/ocpp', 'src/control')), []);
  });

  it('simulator/ imports nothing of src/: it is hardware and protocol peers only', () => {
    assert.deepEqual(crossings('simulator', isSrc), []);
  });

  it('src/web reads: only the read side (billing, the journal reader port and record types, sessions, control types), its config and the leaves', () => {
    const readSide = under('src/web', 'src/billing', 'src/session', 'src/control');
    // The journal's record types (alerts, feedback, operator actions): the page's actions get the journal as ports
    // from the wiring (src/wiring/page-actions.ts), never the journal itself.
    const journalTypes = new Set(['src/journal/ports.ts', 'src/journal/types.ts', 'src/journal/page-records.ts']);
    const allowed = (i: string): boolean => readSide(i) || journalTypes.has(i) || i === 'src/config/schema.ts' || leaves.has(i);
    assert.deepEqual(crossings('src/web', (i) => isSrc(i) && !allowed(i)), []);
    const libraries = sources('src/web').filter((f) => /better-sqlite3|ocpp-rpc|from 'ws'/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(libraries, []);
  });

  it('src/monitor reads: hal/, the leaves, control types and events (type-only), the journal ports; only the wiring and the config use it', () => {
    const allowed = (i: string): boolean =>
      i.startsWith('src/monitor/') || i.startsWith('src/control/') || i === 'src/journal/ports.ts' || i === 'src/journal/types.ts' || leaves.has(i);
    assert.deepEqual(crossings('src/monitor', (i) => isSrc(i) && !allowed(i)), []);
    // The control core is read, never driven: every import of it is type-only.
    const controlValues = sources('src/monitor').flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/^\s*import\s+(?!type\b)[^'"]*from\s+['"]([^'"]*\/control\/[^'"]*)['"]/gm)].map((m) => `${f} → ${m[1] ?? ''}`),
    );
    assert.deepEqual(controlValues, []);
    const users = sources('src')
      .filter((f) => !f.startsWith('src/monitor/') && !f.startsWith('src/wiring/') && f !== 'src/config/schema.ts')
      .flatMap((f) => importsOf(f).filter(under('src/monitor')).map((i) => `${f} → ${i}`));
    assert.deepEqual(users, []);
  });

  it('nothing below the composition root reaches up: not the wiring, the commands or the web page', () => {
    // src/config is not below: it assembles every module's section (the web page's too) and loads the file.
    const below = ['hal', 'simulator', 'src/control', 'src/session', 'src/journal', 'src/ocpp', 'src/billing', 'src/daemon'];
    assert.deepEqual(
      below.flatMap((d) => crossings(d, under('src/wiring', 'src/commands', 'src/web', 'src/cli'))),
      [],
    );
  });

  it('the composition lives in one folder: src/ root holds only the cli and the leaves', () => {
    const atRoot = readdirSync('src').filter((f) => f.endsWith('.ts')).map((f) => `src/${f}`);
    assert.deepEqual(atRoot.filter((f) => f !== 'src/cli.ts' && !leaves.has(f)), []);
  });
});
