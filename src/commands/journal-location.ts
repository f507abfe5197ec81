import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Where the installed service keeps its config and its journal: the `--config` and `--state-dir` of ExecStart in
 * systemd/evse.service (a test keeps the two in step). `--state-dir` there overrides the config's journal.stateDir.
 */
export interface InstalledService {
  readonly configPath: string;
  readonly stateDir: string;
}

export const installedService: InstalledService = { configPath: '/etc/evse/config.json', stateDir: '/var/lib/evse' };

/**
 * The config file a read-side command (report, receipt, journal export) reads: `--config` when given, else the
 * installed service's when it is there (a command run beside the service prices and dates as the station does),
 * else none (the defaults of an empty config). `installed` null: no installed service is looked for (tests).
 */
export function readSideConfigPath(
  config: string | undefined,
  installed: InstalledService | null,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  if (config !== undefined) return config;
  if (installed !== null && exists(installed.configPath)) return installed.configPath;
  return undefined;
}

/**
 * The journal folder a read-side command reads, found the way the service finds it: `--state-dir` when given; with the
 * installed service's config, the folder its unit passes (`/var/lib/evse`), since the service's own `--state-dir`
 * overrides the config; else the config's journal.stateDir (relative to the working directory, as for `evse sim`).
 */
export function readSideStateDir(
  stateDir: string | undefined,
  configPath: string | undefined,
  configStateDir: string,
  installed: InstalledService | null,
): string {
  if (stateDir !== undefined) return stateDir;
  if (installed !== null && configPath !== undefined && resolve(configPath) === resolve(installed.configPath)) return installed.stateDir;
  return configStateDir;
}
