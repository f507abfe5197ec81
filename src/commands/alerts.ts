import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import { renderJson, renderTable, tableOf } from '../billing/render.js';
import { formatWallTime } from '../billing/wall-clock.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { openJournalBesideStation } from '../journal/beside-station.js';
import type { AlertAudience, AlertRow, AlertState } from '../journal/types.js';
import { installedService, type InstalledService } from './journal-location.js';
import { configHelp, readSideSettings, stateDirHelp } from './report.js';

/** What `evse alerts` depends on; tests pass a sink, a fixed clock, a user and their own installed service. */
export interface AlertsCommandDeps {
  nowMs(): number;
  write(text: string): void;
  /** The login name, for the default `--by` (`cli@<user>`). */
  user(): string;
  readonly installed: InstalledService | null;
}

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container with an arbitrary uid).
    return process.env['USER'] ?? `uid${process.getuid?.() ?? ''}`;
  }
}

const processDeps: AlertsCommandDeps = {
  nowMs: () => Date.now(),
  write: (text) => {
    process.stdout.write(text);
  },
  user: loginName,
  installed: installedService,
};

export interface AlertsListOptions {
  readonly stateDir?: string;
  readonly config?: string;
  /** Default: open and acknowledged (what still needs a person). */
  readonly state?: AlertState | 'all';
  /** Default: operator. */
  readonly audience?: AlertAudience | 'all';
  readonly limit?: string;
  readonly json?: boolean;
}

export interface AlertChangeOptions {
  readonly stateDir?: string;
  readonly config?: string;
  readonly by?: string;
}

/** Control characters (C0, DEL, C1) shown as `\u…`: an alert text from outside (an id tag) must not drive the terminal. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `--limit must be a whole number ≥ 1 (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

function parseId(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `an alert id is a whole number ≥ 1 (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

/** Who `--by` names: 1 to 100 printable characters; default `cli@<login name>`. */
function parseBy(text: string | undefined, deps: AlertsCommandDeps): string {
  const by = text ?? `cli@${deps.user()}`;
  // eslint-disable-next-line no-control-regex
  if (by.trim() === '' || by.length > 100 || /[\u0000-\u001f\u007f-\u009f]/.test(by)) {
    throw new EvseError(EvseErrorCode.InvalidArgument, `--by must be 1 to 100 printable characters (got ${JSON.stringify(by)})`);
  }
  return by;
}

/** An alert as JSON output: the row, times also as ISO text. */
function jsonRow(r: AlertRow): Record<string, unknown> {
  return {
    ...r,
    at: new Date(r.atMs).toISOString(),
    lastAt: new Date(r.lastAtMs).toISOString(),
    stateAt: r.stateAtMs === null ? null : new Date(r.stateAtMs).toISOString(),
  };
}

/**
 * `evse alerts list`: the journal's alerts, newest first (default: open and acknowledged operator alerts). Opens the
 * journal beside a running station (no lock, no migration).
 */
export function runAlertsList(opts: AlertsListOptions, deps: AlertsCommandDeps): string {
  const { settings, stateDir } = readSideSettings(opts, deps);
  const limit = parseLimit(opts.limit);
  const states: readonly AlertState[] | undefined =
    opts.state === undefined ? ['open', 'acknowledged'] : opts.state === 'all' ? undefined : [opts.state];
  const audience = opts.audience ?? 'operator';
  const store = openJournalBesideStation(stateDir);
  let rows: AlertRow[];
  try {
    rows = store.listAlerts({
      ...(states === undefined ? {} : { states }),
      ...(audience === 'all' ? {} : { audience }),
      ...(limit === undefined ? {} : { limit }),
    });
  } finally {
    store.close();
  }
  if (opts.json === true) return renderJson(rows.map(jsonRow));
  if (rows.length === 0) return 'No alerts.\n';
  const time = (ms: number): string => formatWallTime(settings.timeZone, ms);
  return renderTable(
    tableOf(
      rows.map((r) => ({
        id: r.id,
        first: time(r.atMs),
        last: time(r.lastAtMs),
        count: r.count,
        severity: r.severity,
        code: printable(r.code),
        state: r.state,
        message: printable(r.message),
      })),
    ),
  );
}

/** `evse alerts ack|close ID`: one state change, committed beside the running station. */
export function runAlertChange(state: 'acknowledged' | 'closed', idText: string, opts: AlertChangeOptions, deps: AlertsCommandDeps): string {
  const id = parseId(idText);
  const by = parseBy(opts.by, deps);
  const { stateDir } = readSideSettings(opts, deps);
  const store = openJournalBesideStation(stateDir);
  try {
    const row = store.setAlertState(id, state, by, deps.nowMs());
    return `alert ${row.id} ${row.state} by ${printable(by)}: ${printable(row.message)}\n`;
  } finally {
    store.close();
  }
}

/** `evse alerts list|ack|close`: the operator's alerts in the journal, beside a running station. */
export function registerAlertsCommands(program: Command, deps: AlertsCommandDeps = processDeps): void {
  const alerts = program.command('alerts').description('list, acknowledge and close the alerts in the journal (beside a running station)');
  alerts
    .command('list')
    .description('alerts, newest first: id, first and last time, count, severity, code, state, message')
    .option('--state-dir <dir>', stateDirHelp)
    .option('--config <file>', `${configHelp}; also where the journal is`)
    .addOption(new Option('--state <state>', 'only alerts in this state (default: open and acknowledged)').choices(['open', 'acknowledged', 'closed', 'all']))
    .addOption(new Option('--audience <who>', 'operator alerts, the driver’s session events, or both').choices(['operator', 'driver', 'all']).default('operator'))
    .option('--limit <n>', 'at most this many')
    .option('--json', 'JSON instead of a table')
    .action((opts: AlertsListOptions) => {
      deps.write(runAlertsList(opts, deps));
    });
  for (const [name, state] of [
    ['ack', 'acknowledged'],
    ['close', 'closed'],
  ] as const) {
    alerts
      .command(`${name} <id>`)
      .description(state === 'acknowledged' ? 'acknowledge an open alert: someone looks at it' : 'close an open or acknowledged alert: dealt with')
      .option('--by <name>', 'who (default: cli@<your login name>)')
      .option('--state-dir <dir>', stateDirHelp)
      .option('--config <file>', `${configHelp}; also where the journal is`)
      .action((id: string, opts: AlertChangeOptions) => {
        deps.write(runAlertChange(state, id, opts, deps));
      });
  }
}
