import type { TariffReplacement } from '../billing/tariff-holder.js';
import { loadConfigFile } from '../config/load.js';
import type { StationConfig } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SdNotifier } from './sd-notify.js';

/**
 * The config sections `systemctl reload evse` (SIGHUP) applies while the station runs. Every other section (gpio,
 * meter, ocpp, journal, web, station, limits, control, simulator) is read at startup only and needs
 * `systemctl restart evse`, which ends a running session.
 */
export const reloadedSections = ['tariff'] as const;

/** What a reload needs from the running station. */
export interface ReloadDeps {
  /** The config file the station was started from; it is read again, whole, and validated by the one schema. */
  readonly source: string;
  /** The config the station runs with (for the sections that need a restart, to say which ones changed). */
  readonly running: StationConfig;
  readonly tariffs: { replace(candidate: unknown, source: string): TariffReplacement };
  readonly log: Logger;
  readonly notifier: SdNotifier;
  /** STATUS= shown by `systemctl status` after the reload. */
  readonly runningStatus: string;
}

export type ReloadOutcome =
  | { readonly applied: true; readonly tariffId: string; readonly needRestart: readonly string[] }
  | { readonly applied: false; readonly reason: string };

/**
 * Re-reads the config file and puts its tariff in force for sessions that start from now on (a running session keeps
 * the tariff it started with). The file is validated whole: any invalid field refuses the reload, naming the field,
 * and everything in force stays. Sections that changed but need a restart are logged, not applied. Tells systemd
 * RELOADING=1 first and READY=1 afterwards, whatever the outcome. Never throws.
 */
export function reloadFromConfigFile(deps: ReloadDeps): ReloadOutcome {
  const { log, notifier } = deps;
  notifier.reloading(`reloading ${deps.source}`);
  let outcome: ReloadOutcome;
  try {
    const next = loadConfigFile(deps.source);
    const replaced = deps.tariffs.replace(next.tariff, `${deps.source}: tariff`);
    if (replaced.accepted) {
      const needRestart = changedSections(deps.running, next);
      outcome = { applied: true, tariffId: replaced.tariff.id, needRestart };
      log.info({ tariff: replaced.tariff.id }, 'tariff reloaded');
      if (needRestart.length > 0) {
        log.warn({ sections: needRestart }, 'changed in the config file but applied only by a restart (systemctl restart evse)');
      }
    } else {
      outcome = { applied: false, reason: replaced.reason };
      log.error({ reason: replaced.reason }, 'tariff reload refused; the running tariff stays');
    }
  } catch (err) {
    outcome = { applied: false, reason: errorMessage(err) };
    log.error({ err: outcome.reason }, 'tariff reload refused; the running tariff stays');
  }
  notifier.ready(
    outcome.applied
      ? `${deps.runningStatus}; tariff ${outcome.tariffId} reloaded`
      : `${deps.runningStatus}; reload refused: ${outcome.reason.split('\n').slice(0, 2).join(' ')}`,
  );
  return outcome;
}

/** Top-level sections other than the reloaded ones whose content differs. */
export function changedSections(running: StationConfig, next: StationConfig): string[] {
  const keys = new Set([...Object.keys(running), ...Object.keys(next)]);
  const out: string[] = [];
  for (const key of keys) {
    if ((reloadedSections as readonly string[]).includes(key)) continue;
    const a = (running as Record<string, unknown>)[key];
    const b = (next as Record<string, unknown>)[key];
    if (stableJson(a) !== stableJson(b)) out.push(key);
  }
  return out.sort();
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  ) ?? 'undefined';
}
