import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMetrics } from '../../src/web/metrics.js';
import type { MetricsSnapshot } from '../../src/web/metrics-data.js';
import type { StationStatusView } from '../../src/web/status-view.js';
import { detectorOf, journalFigures, journalFileBytes, tallyAlerts } from '../../src/wiring/journal-figures.js';
import { parsePrometheusText } from '../support/prometheus-text.js';

const counts: MetricsSnapshot['counts'] = {
  faultsRaised: {},
  meterErrors: { 'new-kind': 3 },
  eventLoopLag: { meanSeconds: 0, p99Seconds: 0, maxSeconds: 0 },
  residentMemoryBytes: 1,
};

/** Just what renderMetrics reads of a status view. */
const view = {
  status: 'Available',
  meter: null,
  offer: { amps: 16, limitedBy: 'configured', reason: '', offeredNowA: 0 },
  faults: [],
  uplink: null,
  load: null,
} as unknown as StationStatusView;

describe('metrics: the journal figures and their rendering', () => {
  it('an anomaly is named by detail.detector or an anomaly-<name> code; other alerts are not anomalies', () => {
    assert.equal(detectorOf({ code: 'x', detail: { detector: 'underDraw' } }), 'underDraw');
    assert.equal(detectorOf({ code: 'anomaly-frozen-meter' }), 'frozen-meter');
    assert.equal(detectorOf({ code: 'anomaly-' }), null);
    assert.equal(detectorOf({ code: 'outbox-dead-letter', detail: { detector: 3 } }), null);
  });

  it('tallies by code, severity and detector, and stays bounded: beyond 200 series the rest is "other"', () => {
    const alerts = Array.from({ length: 250 }, (_, i) => ({ code: `c${i}`, severity: 'warn' as const }));
    alerts.push({ code: 'c0', severity: 'warn' });
    const tally = tallyAlerts(alerts);
    assert.equal(tally.length, 201);
    assert.equal(tally.find((t) => t.code === 'c0')?.count, 2);
    assert.equal(tally.find((t) => t.code === 'other')?.count, 50);
    assert.equal(tally.reduce((sum, t) => sum + t.count, 0), 251, 'no alert lost');
  });

  it('journal size is the file plus its write-ahead log; a missing file is unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evse-size-'));
    try {
      const file = join(dir, 'journal.db');
      assert.equal(await journalFileBytes(file), null);
      writeFileSync(file, Buffer.alloc(4096));
      assert.equal(await journalFileBytes(file), 4096);
      writeFileSync(`${file}-wal`, Buffer.alloc(1000));
      assert.equal(await journalFileBytes(file), 5096);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a journal that fails leaves the alert families out of that scrape, and the rest is served', async () => {
    const errors: Error[] = [];
    const figures = await journalFigures({ alertGroupCounts: () => Promise.reject(new Error('SQLITE_FULL')) }, null, { onError: (e) => errors.push(e) })();
    assert.deepEqual(figures, { alerts: null, fileBytes: null });
    assert.equal(errors.length, 1);
    const m = parsePrometheusText(await renderMetrics(view, { counts, journal: figures }));
    assert.equal(m.has('evse_alerts_total'), false);
    assert.equal(m.has('evse_journal_size_bytes'), false);
    assert.equal(m.get('evse_status')?.samples.find((s) => s.labels['status'] === 'Available')?.value, 1);
    assert.equal(m.has('evse_power_watts'), false, 'no meter sample yet: no made-up 0 W');
    assert.equal(m.has('evse_outbox_messages'), false, 'no uplink: no outbox figures');
    // A kind the station counted that the list does not know yet is still reported.
    assert.equal(m.get('evse_meter_errors_total')?.samples.find((s) => s.labels['kind'] === 'new-kind')?.value, 3);
  });

  it('label values from outside are escaped (a detector name with quotes, a backslash and a newline)', async () => {
    const odd = 'a"b\\c\nd';
    const text = await renderMetrics(view, { counts, journal: { alerts: tallyAlerts([{ code: 'x', severity: 'info', detail: { detector: odd } }]), fileBytes: 1 } });
    const m = parsePrometheusText(text);
    assert.equal(m.get('evse_anomalies_total')?.samples[0]?.labels['detector'], odd);
  });
});

describe('metrics: the alert log is read at most every 30 s, whatever the scrape rate', () => {
  it('serves the tally read last within the interval; scrapes at the same moment share one read', async () => {
    let now = 0;
    let reads = 0;
    let count = 1;
    const journal = {
      alertGroupCounts: () => {
        reads += 1;
        return Promise.resolve([{ code: 'a', severity: 'warn' as const, detector: null, count }]);
      },
    };
    const figures = journalFigures(journal, null, { nowMs: () => now });
    await Promise.all([figures(), figures(), figures()]);
    assert.equal(reads, 1);
    count = 2;
    now = 29_999;
    assert.equal((await figures()).alerts?.[0]?.count, 1, 'within 30 s: the cached tally');
    now = 30_000;
    assert.equal((await figures()).alerts?.[0]?.count, 2);
    assert.equal(reads, 2);
  });
});
