import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile, summarize } from './stats.js';
import { formatTable, withRatio } from './table.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('bench runner', () => {
  describe('ratio to the target (≤ 1 means met, both ways)', () => {
    it('is value / target for a max target', () => {
      const f = withRatio({ bench: 'b', name: 'p99', value: 5, unit: 'ms', target: { kind: 'max', value: 10 } });
      assert.equal(f.ratio, 0.5);
      assert.equal(f.met, true);
      const missed = withRatio({ bench: 'b', name: 'p99', value: 20, unit: 'ms', target: { kind: 'max', value: 10 } });
      assert.equal(missed.ratio, 2);
      assert.equal(missed.met, false);
    });

    it('is target / value for a min target', () => {
      const f = withRatio({ bench: 'b', name: 'rate', value: 2000, unit: '/s', target: { kind: 'min', value: 1000 } });
      assert.equal(f.ratio, 0.5);
      assert.equal(f.met, true);
      const missed = withRatio({ bench: 'b', name: 'rate', value: 500, unit: '/s', target: { kind: 'min', value: 1000 } });
      assert.equal(missed.ratio, 2);
      assert.equal(missed.met, false);
    });

    it('is null without a target, and null (met decided by comparison) for a zero target', () => {
      assert.deepEqual(withRatio({ bench: 'b', name: 'rss', value: 100, unit: 'MiB' }), { bench: 'b', name: 'rss', value: 100, unit: 'MiB', ratio: null, met: null });
      const zero = withRatio({ bench: 'b', name: 'faults', value: 0, unit: 'faults', target: { kind: 'max', value: 0 } });
      assert.equal(zero.ratio, null);
      assert.equal(zero.met, true);
      assert.equal(withRatio({ bench: 'b', name: 'faults', value: 1, unit: 'faults', target: { kind: 'max', value: 0 } }).met, false);
    });

    it('prints the convention, the target and met or MISSED in the table', () => {
      const text = formatTable([
        withRatio({ bench: 'b', name: 'p99', value: 20, unit: 'ms', target: { kind: 'max', value: 10 } }),
        withRatio({ bench: 'b', name: 'rate', value: 2000, unit: '/s', target: { kind: 'min', value: 1000 } }),
      ]);
      assert.match(text, /ratio ≤ 1 means the target is met/);
      assert.match(text, /p99 .*≤ 10 .*2\.00 MISSED/);
      assert.match(text, /rate .*≥ 1,000 .*0\.50 met/);
    });
  });

  it('takes nearest-rank percentiles and a p99 interval that narrows with n', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 500);
    assert.equal(percentile(values, 99), 990);
    assert.equal(percentile([7], 99), 7);
    const small = summarize(values);
    const large = summarize(Array.from({ length: 100_000 }, (_, i) => (i + 1) / 100));
    assert.ok(small.p99Low <= small.p99 && small.p99 <= small.p99High);
    // As shares of the range: 1,000 samples pin the p99 down far less than 100,000 do.
    assert.ok((large.p99High - large.p99Low) / 1000 < (small.p99High - small.p99Low) / 1000);
  });

  it('--json prints one JSON array and nothing else on stdout, and exits 0', function () {
    this.timeout(120_000);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', '--json', '--quick', 'running-cost'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const figures = JSON.parse(r.stdout) as { bench: string; name: string; value: number }[];
    assert.ok(Array.isArray(figures) && figures.length > 0);
    assert.ok(figures.every((f) => f.bench === 'running-cost' && typeof f.value === 'number'));
  });

  it('refuses an unknown option with exit 64', function () {
    this.timeout(60_000);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', '--jsn'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 64);
    assert.match(r.stderr, /unknown option --jsn/);
  });
});
