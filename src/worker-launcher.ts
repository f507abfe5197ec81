import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The URL of a worker module next to `callerUrl` (pass `import.meta.url`), with the caller's extension: .ts under tsx
 * (tests, `npm run bench`), .js in dist, .mjs bundled.
 */
export function siblingModuleUrl(callerUrl: string, name: string): URL {
  const extension = extname(fileURLToPath(callerUrl));
  return new URL(`./${name}${extension}`, callerUrl);
}

/**
 * The URL of tsx's ESM `register` API, resolved through tsx's package.json exports (the "import" condition; the
 * "require" build cannot register ESM hooks, and under mocha `import.meta.resolve` is not available).
 */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  // A typed boundary: tsx's manifest is JSON read at run time.
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } }>;
  };
  const entry = manifest.exports?.['./esm/api']?.import?.default;
  if (entry === undefined) throw new Error(`tsx at ${manifestPath} has no ESM register API`);
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}

/**
 * Starts a worker thread on an ES module. A built (.js / .mjs) entry starts directly. Under tsx the entry is a .ts
 * file: on Node 20 a worker inherits `--import tsx` but the hooks it registers do not reach the worker's own imports,
 * so a tiny bootstrap registers tsx's ESM hooks in the worker first and then imports the .ts entry.
 */
export function startModuleWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const tsxApi = tsxEsmApiUrl();
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
