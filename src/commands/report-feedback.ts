/**
 * `evse report feedback [--from DATE] [--to DATE] [--json]`: what drivers said about their sessions (the page's
 * feedback form): how many, the average rating, the outcomes and the problems by kind. Read-only, beside a station
 * that charges, like the other reports.
 */
import type { Command } from 'commander';
import { parseDateArgument } from '../billing/cli-settings.js';
import { EvseError, EvseErrorCode } from '../errors.js';
import { feedbackOutcomes, feedbackProblems, type FeedbackOutcome, type FeedbackProblem, type FeedbackRow } from '../journal/page-records.js';
import { openReadOnlyDatabase } from '../journal/read-only.js';
import { StoreDb } from '../journal/store/db.js';
import { PageRecords } from '../journal/store/page-records.js';
import { configHelp, journalDeps, readSideSettings, stateDirHelp, type BillingCommandDeps } from './report.js';

export interface FeedbackSummary {
  readonly from: string;
  readonly to: string;
  readonly count: number;
  /** Null when there is no feedback in the range. */
  readonly averageRating: number | null;
  readonly outcomes: Readonly<Record<FeedbackOutcome, number>>;
  readonly problems: Readonly<Record<FeedbackProblem, number>>;
}

export function summarizeFeedback(rows: readonly FeedbackRow[], range: { readonly fromMs: number; readonly toMs: number }): FeedbackSummary {
  const outcomes = Object.fromEntries(feedbackOutcomes.map((o) => [o, 0])) as Record<FeedbackOutcome, number>;
  const problems = Object.fromEntries(feedbackProblems.map((p) => [p, 0])) as Record<FeedbackProblem, number>;
  let ratings = 0;
  for (const row of rows) {
    ratings += row.rating;
    outcomes[row.outcome] += 1;
    if (row.problem !== undefined) problems[row.problem] += 1;
  }
  return {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    count: rows.length,
    // Two decimals: "4.25", not a float's tail.
    averageRating: rows.length === 0 ? null : Math.round((ratings / rows.length) * 100) / 100,
    outcomes,
    problems,
  };
}

export function renderFeedbackSummary(s: FeedbackSummary): string {
  const list = (counts: Readonly<Record<string, number>>): string =>
    Object.entries(counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  return [
    `Feedback from ${s.from} to ${s.to}: ${s.count} session${s.count === 1 ? '' : 's'} rated${s.averageRating === null ? '' : `, average ${s.averageRating.toFixed(2)} of 5`}`,
    `Outcomes: ${list(s.outcomes)}`,
    `Problems: ${list(s.problems)}`,
    '',
  ].join('\n');
}

/** The feedback of [fromMs, toMs) from the journal of `stateDir`, read-only. */
export function readFeedback(stateDir: string, range: { readonly fromMs: number; readonly toMs: number }): FeedbackRow[] {
  const db = openReadOnlyDatabase(stateDir);
  try {
    // A journal the station has not migrated to this version yet has no feedback table: it has no feedback either.
    if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'driver_feedback'`).get() === undefined) return [];
    return new PageRecords(new StoreDb(db)).feedback(range.fromMs, range.toMs);
  } finally {
    db.close();
  }
}

interface FeedbackReportOptions {
  readonly stateDir?: string;
  readonly config?: string;
  readonly from?: string;
  readonly to?: string;
  readonly json?: boolean;
}

/** The report as text or JSON. Without --from it covers the last 30 days, without --to until now. */
export function runFeedbackReport(opts: FeedbackReportOptions, deps: Pick<BillingCommandDeps, 'nowMs' | 'installed'>): string {
  const { settings, stateDir } = readSideSettings(opts, deps);
  const nowMs = deps.nowMs();
  const toMs = opts.to === undefined ? nowMs : parseDateArgument('--to', opts.to, settings.timeZone);
  const fromMs = opts.from === undefined ? toMs - 30 * 86_400_000 : parseDateArgument('--from', opts.from, settings.timeZone);
  if (toMs <= fromMs) throw new EvseError(EvseErrorCode.InvalidArgument, `--to (${opts.to ?? 'now'}) must be after --from (${opts.from ?? '30 days before'})`);
  const summary = summarizeFeedback(readFeedback(stateDir, { fromMs, toMs }), { fromMs, toMs });
  return opts.json === true ? `${JSON.stringify(summary, null, 2)}\n` : renderFeedbackSummary(summary);
}

export function registerFeedbackReport(report: Command, deps: BillingCommandDeps = journalDeps): void {
  report
    .command('feedback')
    .description("drivers' feedback from the station page: count, average rating, outcomes, problems by kind")
    .option('--state-dir <dir>', stateDirHelp)
    .option('--config <file>', configHelp)
    .option('--from <date>', 'first local date (YYYY-MM-DD) or an instant with offset (default: 30 days before --to)')
    .option('--to <date>', 'last local date, included (YYYY-MM-DD), or an instant with offset, excluded (default: now)')
    .option('--json', 'JSON instead of text')
    .action((opts: FeedbackReportOptions) => {
      deps.write(runFeedbackReport(opts, deps));
    });
}
